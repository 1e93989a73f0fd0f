"""The server's preheated kernels: started ahead, warmed up with the dashboard code, handed over."""

from __future__ import annotations

import json
import re
import time

import pytest

from workspace_lib.server.testing import notebook, prepare_server

PROBE = '''import sys
print("prechauffe :", "workspace_lib.dashboard.tableau_de_bord" in sys.modules)
print("restes :", sorted(name for name in globals() if name.startswith("_t")))
'''


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = prepare_server(tmp_path_factory.mktemp("reservoir"), pool=1)
    (server.notebooks / "sonde.ipynb").write_text(
        json.dumps(notebook("Sonde", code=PROBE, publication="analystes")), encoding="utf-8")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _wait_for_warm_kernels(live, count: int, timeout: float = 90) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = re.findall(r"Noyau préchauffé prêt : ([0-9a-f-]{36})", live.log_path.read_text(errors="replace"))
        if len(ready) >= count:
            return ready
        time.sleep(0.5)
    raise AssertionError("Pas de noyau préchauffé :\n" + live.log_path.read_text(errors="replace")[-3000:])


def test_dashboard_gets_a_warm_kernel_without_leftovers(live):
    warm = _wait_for_warm_kernels(live, 1)
    page = live.login("ana").get(live.url + "/voila/render/sonde.ipynb")
    assert page.status_code == 200
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', page.text).group(1)
    assert kernel == warm[0]  # the pooled kernel was handed over...
    assert "prechauffe : True" in page.text  # ...with the dashboard code already imported...
    assert "restes : []" in page.text  # ...and no variable left behind by the warm-up.
    # The pool refills with a new warm kernel, which nobody else owns.
    refill = _wait_for_warm_kernels(live, 2)[1]
    assert refill != kernel
    other = live.login("dev")
    other.headers["X-XSRFToken"] = other.cookies.get("_xsrf")
    assert {k["id"] for k in other.get(live.url + "/api/kernels").json()} >= {kernel, refill}
    analyst = live.login("ana")
    assert analyst.get(live.url + f"/api/kernels/{refill}").status_code in (403, 404)
