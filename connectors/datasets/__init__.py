"""Dataset formats: readers that turn a dataset on disk into frames and ground truth rows."""
