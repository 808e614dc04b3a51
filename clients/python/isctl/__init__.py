"""isctl: the image streams command line, shaped like `oc`."""
