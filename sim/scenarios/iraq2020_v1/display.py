"""How the Iraq-2020 scenario's codes read in figures.

Tables, configs and Gambit files name actions by short codes (``keep+status_quo``);
figures show these words instead (:data:`ACTION_NAMES`, given to the scenario as
``action_names``, read by :func:`sim.figures.style.action_name`).
"""

from __future__ import annotations

#: Words for each actor's action codes, ``{actor: {code: words}}``.
ACTION_NAMES: dict[str, dict[str, str]] = {
    "Russia": {"none": "no offer", "S-300": "offer S-300", "S-400": "offer S-400"},
    "Iran": {"restrain": "restrain", "pressure": "apply pressure"},
    "Iraq": {
        "keep+status_quo": "keep troops, status quo",
        "keep+deepen": "keep troops, deepen ties",
        "keep+buy": "keep troops, buy the system",
        "expel+status_quo": "expel troops, status quo",
        "expel+deepen": "expel troops, deepen ties",
        "expel+buy": "expel troops, buy the system",
    },
    "US": {"accommodate": "accommodate", "targeted": "targeted sanctions", "severe": "severe sanctions"},
}
