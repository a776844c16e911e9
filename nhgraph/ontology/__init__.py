"""The ontology: the RDF vocabulary, the SKOS concept schemes, the SHACL shapes, and the validation
that applies them."""
