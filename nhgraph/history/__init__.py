"""Time: the use case beside load, validate, ask, edit and export.

What changed, when and by whom (the change sets every load and edit records), the map as it
stood at a moment of record time, and what a release would change and touch before it is
loaded. The changes themselves are :class:`nhgraph.store.changes.NodeChange` records.
"""
