"""One look for every figure: the same colour for the same family everywhere."""

#: Artificial (rate-based MLP) results are blue, biological (spiking) results are red;
#: references (analytic curves, chance levels) are black or grey.
ARTIFICIAL = "#1f77b4"
ARTIFICIAL_LIGHT = "#9ecae9"
ARTIFICIAL_DARK = "#08306b"
ARTIFICIAL_MID = "#6b8fb8"
SPIKING = "#d62728"
SPIKING_LIGHT = "#f4a6a6"
REFERENCE = "#222222"
GREY = "#888888"

RC = {
    "figure.dpi": 110,
    "savefig.dpi": 130,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "axes.titlesize": 11,
    "figure.titlesize": 13,
    "legend.fontsize": 9,
    "legend.frameon": False,
}
