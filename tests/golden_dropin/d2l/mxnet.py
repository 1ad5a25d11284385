# This file is generated from the book by `d2lbook build lib`; do not edit it.
# Change the book's #@save cells instead.


import warnings


warnings.filterwarnings("ignore")


import math


def double(x):
    """Twice x.

    Defined in :numref:`sec_code`
    """
    return 2 * x


def accuracy(correct, total):
    """The fraction of correct predictions.

    Defined in :numref:`sec_code`
    """
    return correct / total


def show_images(imgs):
    """Show images (first version).

    Defined in :numref:`sec_code`
    """
    return len(imgs)


generator = iter(range(3))


[next(generator) for _ in range(2)]
