"""nnet.models: Model (subclassed or functional) and Sequential."""

from nnet.models.model import Model
from nnet.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
