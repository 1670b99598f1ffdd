"""The benchmark: synthetic blogs (synth.py) and timed `blog build` runs (run.py). Run as `python -m bench`."""
