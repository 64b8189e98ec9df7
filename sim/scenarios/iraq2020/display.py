"""How Model 2's action codes read in figures (``{actor: {code: words}}``)."""

from __future__ import annotations

_DEMAND = {"host": "host US troops", "advisers": "demand a drawdown to advisers", "exit": "demand a US exit"}
_TIE = {"status_quo": "status quo with Russia", "deepen": "deepen ties", "buy": "buy the system"}
_POSTURE = {"maintain": "maintain troops", "advisory": "draw down to advisers", "withdraw": "withdraw"}
_COERCION = {"accommodate": "accommodate", "waiver": "revoke the energy waiver",
             "targeted": "targeted sanctions", "severe": "severe sanctions"}

#: Words for each actor's action codes, ``{actor: {code: words}}``.
ACTION_NAMES: dict[str, dict[str, str]] = {
    "Russia": {"none": "no offer", "S-300": "offer S-300", "S-400": "offer S-400"},
    "Iran": {"restrain": "restrain", "pressure": "apply pressure"},
    "Iraq": {f"{d}+{t}": f"{dw}, {tw}" for d, dw in _DEMAND.items() for t, tw in _TIE.items()},
    "US": {f"{p}+{c}": f"{pw}, {cw}" for p, pw in _POSTURE.items() for c, cw in _COERCION.items()},
}
