"""The interactive explorer in the browser: ``sim explore --port N`` (or ``python -m sim.explore``).

A Solara app (the framework under Mesa's ``SolaraViz``) served on 127.0.0.1: sliders for a
scenario's parameters grouped by actor, the regime at the point solved live on the
vectorised engine, a phase-diagram slice with the point marked, the game tree, the regime
distributions under logit QRE and uncertain resolve, an agent-based trajectory, and a
Mesa ``SolaraViz`` page of the agent-based model.

Modules, bottom up: :mod:`~sim.explore.state` (slider metadata, the point, typed input),
:mod:`~sim.explore.solve` (what the solvers say at the point and on the slice, cached),
:mod:`~sim.explore.agents` (the Mesa model at the point), :mod:`~sim.explore.panels`
(matplotlib panels as PNG bytes), :mod:`~sim.explore.mesa_page` (the ``SolaraViz`` page),
:mod:`~sim.explore.app` (the Solara components and routes), :mod:`~sim.explore.server`
(serving it). Solara is an optional dependency (``pip install "sim[explore]"``); only
``app``, ``mesa_page`` and ``server`` import it. docs/explorer.md shows the page.
"""
