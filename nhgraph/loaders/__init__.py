"""The loaders: the reference data (ONS geography, NHS ODS organisations, postcodes) and the
team-of-teams datasets, each read into models with every problem named by file and line."""
