"""Everything that touches the outside world: the lake, Label Studio, dataset formats, image decoding."""
