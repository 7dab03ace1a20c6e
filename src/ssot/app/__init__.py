"""Use cases as plain functions: commands parse arguments, call one of these, and render what it returns.

``scan``       ``ssot scan``: the scan a request asks for, and the findings ``--select``/``--ignore`` keep
``plan``       ``ssot plan`` and ``ssot migrate``: scan and plan (:func:`~ssot.app.plan.make_plan`)
``collect``    ``ssot collect``: profile collection or load a profile, and compare it with a baseline
``canonical``  what the canonical package defines, and who imports it from where
``baseline``   the committed ``.ssot-baseline.json``: fingerprints of accepted findings
``guard``      ``ssot check``: what is new against the baseline (whole tree, or changed files on the index)
``compliance`` ``ssot validate``: compliance score per family and phase, imports, collection figures
"""
