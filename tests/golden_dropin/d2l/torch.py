# This file is generated from the book by `d2lbook build lib`; do not edit it.
# Change the book's #@save cells instead.


import warnings


warnings.filterwarnings("ignore")


import math


def double(x):
    """Twice x.

    Defined in :numref:`sec_code`
    """
    return x + x


def accuracy(correct, total):
    """The fraction of correct predictions.

    Defined in :numref:`sec_code`
    """
    return correct / total


generator = iter(range(3))


[next(generator) for _ in range(2)]


def show_images(imgs):
    """Show images (the later version wins).

    Defined in :numref:`sec_shared`
    """
    return list(imgs)


def halve(x):
    """Half of x.

    Defined in :numref:`sec_shared`
    """
    return x / 2


# Aliases from config.ini
ones = torch.ones
concat = torch.cat
