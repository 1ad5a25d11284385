# This file is generated from the book by `d2lbook build lib`; do not edit it.
# Change the book's #@save cells instead.


import math
import sys


d2l = sys.modules[__name__]


import torch
from torch import nn


def square(x):
    """Square a number.

    Defined in :numref:`sec_basics`
    """
    return x * x


class Counter:
    """Defined in :numref:`sec_basics`"""

    def __init__(self):
        """Defined in :numref:`sec_more`"""
        self.n = 10

    def step(self):
        """Defined in :numref:`sec_more`"""
        self.n += 1


def cube(x):
    """Defined in :numref:`sec_basics`"""
    return x * x * x


d2l.DATA_HUB = {}


# Aliases from config.ini
ones = torch.ones
concat = torch.cat
numpy = lambda x, *args, **kwargs: x.detach().numpy(*args, **kwargs)
size = lambda x, *args, **kwargs: x.numel(*args, **kwargs)


def randn(size, device=None):
    return torch.randn(size, device=device)
