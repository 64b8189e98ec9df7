"""Iraq's domestic level: the state's payoff split into components, and how each bloc
and the prime minister weigh them (docs/model.md §8).

The components sum to Model 2's Iraqi payoff (:mod:`sim.scenarios.iraq2020.terms`):

* security: t B_sec, the value of US security cooperation;
* nationalist: -t N - F g, the nationalist cost of foreign troops and of a demand overridden;
* iran_pressure: -t (N iota + Z) [pressure], what hosting US troops costs while Iran presses;
* aid: -A_US [targeted], US assistance cut by targeted sanctions;
* sanctions: -(E_elec [waiver revoked] + phi R_oil [severe]);
* russia_ties: air-defence value net of its price, and the value of deeper ties (H).

A bloc of alignment shares s (over us, iran, nationalist) weighs component c by
Σ_a s_a Ω[a, c], with Ω (rows us, iran, nationalist; columns as above)::

    us           1   0      1      1 1 1   the presence protects them; they boycotted the vote
    iran         0   1      m_IR   1 1 1   the presence is the enemy's; Iran's pressure works through them
    nationalist  1   m_NAT  1      1 1 1   nationalism works through them

The prime minister weighs them (1 - e) x 1 + e x Ω[his alignment]: e = 0 is a statesman
who maximises the state's payoff.
"""

from __future__ import annotations

import numpy as np

from sim.bargain.domestic import DomesticSpec
from sim.engine.params import ConfigError
from sim.scenarios.iraq2020.terms import capability, overridden, price_per_year, troops
from sim.scenarios.iraq2020_blocs.params import ExecutiveParams
from sim.scenarios.iraq2020_blocs.parliament import ALIGNMENTS, BLOCS, SEATS_2021

COMPONENTS = ("security", "nationalist", "iran_pressure", "aid", "sanctions", "russia_ties")
EXECUTIVE = "Executive (prime minister)"
MEMBERS = tuple(b.name for b in BLOCS) + (EXECUTIVE,)
SHARES = np.array([b.shares for b in BLOCS])  # (K_blocs, 3)
PRESENT = np.array([b.present for b in BLOCS] + [0.0])  # (K,)


def components(p, f) -> tuple:
    """The six components of Iraq's payoff, each broadcastable to (n_out, B) ($bn/yr)."""
    q = p.iraq
    pressure = f["pressure"]
    air = q.air_defence_value * capability(p, f) - (1.0 - p.russia.discount) * price_per_year(p, f)
    return (
        troops(p, f) * q.security_value,
        -troops(p, f) * q.nationalism - q.override_cost * overridden(p, f),
        -troops(p, f) * (q.nationalism * q.iran_leverage + q.battleground_cost) * pressure,
        -p.us.aid * f["targeted"],
        -(q.electricity_loss * f["waiver"] + q.fed_share_at_risk * q.oil_revenue * f["severe"]),
        air + q.hedging_value * f["tied"],
    )


def _col(value) -> np.ndarray:
    """A parameter (float or row (1, B)) as a column (B, 1)."""
    return np.reshape(np.asarray(value, dtype=float), (-1, 1))


def alignment_weights(p) -> np.ndarray:
    """Ω, shape (B, 3, C): rows us, iran, nationalist (module docstring)."""
    m_ir, m_nat = _col(p.parliament.iran_amplifier), _col(p.parliament.nationalist_amplifier)
    n_batch = max(len(m_ir), len(m_nat))
    omega = np.ones((n_batch, len(ALIGNMENTS), len(COMPONENTS)))
    omega[:, 0, 1] = 0.0  # us: no nationalist cost
    omega[:, 1, 0] = 0.0  # iran: no security value
    omega[:, 1, 2] = m_ir[:, 0]
    omega[:, 2, 1] = m_nat[:, 0]
    return omega


def executive_shares(lean) -> np.ndarray:
    """Alignment shares (B, 3) of a prime minister of lean in [-1, 1]: -1 Iran, 0
    nationalist, +1 US, linear in between."""
    lean = _col(lean)[:, 0]
    return np.stack([np.clip(lean, 0, 1), np.clip(-lean, 0, 1), 1.0 - np.abs(lean)], axis=1)


def weights(p) -> np.ndarray:
    """How each member weighs each component, shape (B, K, C); the executive is last."""
    omega = alignment_weights(p)
    blocs = np.einsum("ka,bac->bkc", SHARES, omega)
    e = _col(p.executive.partisanship)[:, :, None]
    execu = (1.0 - e) + e * np.einsum("ba,bac->bc", executive_shares(p.executive.lean), omega)[:, None, :]
    n_batch = max(len(blocs), len(execu))
    return np.concatenate([np.broadcast_to(blocs, (n_batch,) + blocs.shape[1:]),
                           np.broadcast_to(execu, (n_batch, 1, len(COMPONENTS)))], axis=1)


def seats(p) -> np.ndarray:
    """Seats of each member, shape (B, K) (the executive has none)."""
    cols = [_col(getattr(p.parliament, f"seats_{b.key}")) for b in BLOCS]
    n_batch = max(len(c) for c in cols)
    out = np.zeros((n_batch, len(MEMBERS)))
    for k, c in enumerate(cols):
        out[:, k] = c[:, 0]
    return out


def clout(p) -> np.ndarray:
    """Members' weights in the bargain, shape (B, K), summing to 1: the executive w_E, the
    blocs (1 - w_E) in proportion to their seats (all to the executive if no seats)."""
    s = seats(p)
    w_e = _col(p.parliament.executive_weight)
    n_batch = max(len(s), len(w_e))
    s = np.broadcast_to(s, (n_batch, s.shape[1]))
    total = s.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, s / total, 0.0)
    w_e = np.where(total > 0, w_e, 1.0)
    out = (1.0 - w_e) * share
    out[:, -1] = np.broadcast_to(w_e, (n_batch, 1))[:, 0]
    return out


def present(p) -> np.ndarray:
    """Share of each member present at the 5 Jan 2020 vote, shape (1, K)."""
    return PRESENT[None, :]


def motion(option: str) -> bool:
    """The resolution demands that US troops leave: Iraq's exit options."""
    return option.startswith("exit+")


def check(p) -> None:
    """A parliament that can bargain: the executive or some bloc has weight (one line)."""
    s = seats(p)
    w_e = _col(p.parliament.executive_weight)
    if np.any((np.broadcast_to(s.sum(axis=1, keepdims=True), np.broadcast_shapes(s[:, :1].shape, w_e.shape)) <= 0)
              & (w_e <= 0)):
        raise ConfigError("parliament: every parliament.seats_* is 0 and parliament.executive_weight is 0, so no one "
                          "decides Iraq's move; give some bloc seats or the executive a weight > 0")


DOMESTIC = DomesticSpec(
    actor="Iraq",
    members=MEMBERS,
    component_names=COMPONENTS,
    components=components,
    clout=clout,
    weights=weights,
    seats=seats,
    present=present,
    motion=motion,
    principle=({"Iraq": "exit+status_quo", "US": "withdraw+accommodate"},
               {"Iraq": "host+status_quo", "US": "maintain+accommodate"}),
    check=check,
    alignments=ALIGNMENTS,
    member_alignment=tuple(b.shares for b in BLOCS) + (tuple(float(x) for x in executive_shares(ExecutiveParams().lean)[0]),),
    labels=("2018 parliament (Jan 2020)", "2021 parliament in Jan 2020's game"),
    counterfactual={f"parliament.seats_{k}": float(v) for k, v in SEATS_2021.items()},
)
