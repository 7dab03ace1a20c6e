"""Use cases as plain functions: commands parse arguments, call one of these, and render what it returns.

``scan``       ``ssot scan``: the scan a request asks for, and the findings ``--select``/``--ignore`` keep
``plan``       ``ssot plan`` and ``ssot migrate``: scan and plan (:func:`~ssot.app.plan.make_plan`)
``migrate``    ``ssot migrate``: carry a plan out, journaled and validated (the plan made once, not again)
``fix``        ``ssot fix``: the collection-warning fixes, dry run or applied through the journal
``rollback``   ``ssot rollback``: restore a run's files from the journal (a refusal is an outcome)
``runs``       ``ssot runs``: the journal's runs, one run in detail, dismissing a run
``collect``    ``ssot collect``: profile collection or load a profile, and compare it with a baseline
``canonical``  what the canonical package defines, and who imports it from where
``baseline``   the committed ``.ssot-baseline.json``: fingerprints of accepted findings
``guard``      ``ssot check``: what is new against the baseline (whole tree, or changed files on the index)
``compliance`` ``ssot validate``: compliance score per family and phase, imports, collection figures
"""
