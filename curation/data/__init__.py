"""Training and scoring data from the lake: which frames, which labels, how they become tensors."""
