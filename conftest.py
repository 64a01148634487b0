"""Puts the checkout on sys.path so that tests and doctests import this nnet."""
