"""Access policies in Cedar: the ground truth of who may read which attribute of whose record."""
