"""Reports built from the lake: HTML pages for people, not for machines."""
