"""``ssot report``: the recorded runs and the trend of each figure; the dashboard of them."""

from __future__ import annotations

from pathlib import Path

from ssot.config import Config
from ssot.errors import SsotError
from ssot.report.history_report import HistoryView


def history_view(cfg: Config, since: str | None = None) -> HistoryView:
    """The runs the history holds (from ``since``: a date YYYY-MM-DD or a git ref) and their trends."""
    from ssot.history.store import HistoryStore, Run
    from ssot.history.trends import select_since, trends

    path = cfg.history_path
    if path is None:
        raise SsotError(f"{cfg.source or 'pyproject.toml'}: [tool.ssot] history = false: no history is kept")
    runs: list[Run] = []
    if path.is_file():
        with HistoryStore(path, create=False) as store:
            runs = store.runs()
    if since:
        runs = select_since(runs, since, cfg.root)
    return HistoryView(str(path), runs, trends(runs))


def write_history_dashboard(cfg: Config, view: HistoryView, folder: Path) -> Path:
    """The dashboard of ``view``'s runs, a self-contained ``folder/index.html``; the page written."""
    from ssot.report.dashboard import load, write_dashboard

    if not view.runs:
        raise SsotError(f"{view.history}: no runs recorded yet, so no dashboard; run a command such as 'ssot scan' "
                        "first")
    data = load(cfg.root, Path(view.history))
    keep = {r.id for r in view.runs}  # --since applies to the dashboard too
    data.runs, data.trends = [r for r in data.runs if r.id in keep], view.trends
    return write_dashboard(folder, data)
