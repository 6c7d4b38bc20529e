"""The room's board in headless Chromium: the grid, the top cause, a shared file, the
randori, every learner's text shown as text; and a screenshot of it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from tests.room_server import RoomServer, http, verdict
from tfdojo.room import client

DOCS = Path(__file__).resolve().parents[1] / "docs"
EVIL = "<img src=x onerror=alert(1)><script>alert(2)</script>"[:40]
LABELS = "softmax_cross_entropy/integer-labels"
LEARNERS = [
    ("Ada", "softmax_cross_entropy", LABELS),
    ("Bo", "softmax_cross_entropy", LABELS),
    ("<script>alert('x')</script>", "softmax_cross_entropy", LABELS),
    ("Dee", "training_step", "training_step/assign-not-assign_sub"),
    ("Eli", "training_step", "training_step/assign-not-assign_sub"),
    ("Fay", "logistic", "logistic/bias-shape"),
    ("Gus", "minibatch_loop", None),
    (EVIL, "tensors", None),
]  # fmt: skip


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    folder = tmp_path_factory.mktemp("board")
    server = RoomServer(folder / "room.sqlite", extra=("--katas", "1-5"))
    for i, (name, kata, cause) in enumerate(LEARNERS):
        ws = folder / f"ws{i}"
        client.join(ws, server.url, server.token, name)
        client.send_verdict(ws, verdict("tensors", "pass"))
        if kata != "tensors":
            status = "failing" if cause else "pass"
            client.send_verdict(ws, verdict(kata, status, cause=cause, hints=i % 3))
    ws = folder / "ws3"
    (ws / "04_training_step.py").write_text(
        "def train_step(model, x, y, lr):\n"
        "    with tf.GradientTape() as tape:\n"
        "        loss = loss_fn(model(x), y)  # <b>not bold</b>\n"
        "    for v, g in zip(model.trainable_variables, tape.gradient(loss, ...)):\n"
        "        v.assign(lr * g)\n"
    )
    client.share(ws, "training_step", ws / "04_training_step.py")
    shared = folder / "shared"
    client.join(shared, server.url, server.token, "randori")
    body = {"names": ["Ada", "Dee"], "minutes": 5, "shared": "randori"}
    assert http(server.url + "api/randori", body, server.board_token)[0] == 201
    client.send_verdict(
        shared, verdict("training_step", cause="training_step/assign-not-assign_sub")
    )
    yield server
    server.stop()


@pytest.mark.browser
def test_the_board_in_a_browser(room, browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{room.url}board#{room.board_token}")
    WebDriverWait(browser, 30).until(
        lambda d: int(d.execute_script("return document.body.dataset.updates")) >= 1
    )
    assert browser.current_url == f"{room.url}board"  # the token is off the address bar
    names = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#grid td.name")]
    assert names == [name for name, _, _ in LEARNERS] + ["randori"]
    assert browser.find_elements(By.CSS_SELECTOR, "#grid script, #grid img, #causes script") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 (no alert was opened by a name)
    headers = [
        th.get_attribute("title") for th in browser.find_elements(By.CSS_SELECTOR, "#grid th.kata")
    ]
    assert headers[:5] == [
        "tensors",
        "logistic",
        "softmax_cross_entropy",
        "training_step",
        "minibatch_loop",
    ]
    ada = browser.find_elements(By.CSS_SELECTOR, "#grid tbody tr")[0]
    cells = [td.get_attribute("class") for td in ada.find_elements(By.CSS_SELECTOR, "td.cell")]
    assert cells == ["cell pass", "cell", "cell failing current", "cell", "cell"]
    causes = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#causes li")]
    assert (
        causes[0]
        == "3 learners: integer labels where one-hot was expected\nsoftmax_cross_entropy · labels"
    )
    assert causes[1].startswith("3 learners: v.assign(...) replaces the weights")
    assert browser.find_element(By.ID, "pilot").text == "Ada"
    assert browser.find_element(By.ID, "copilot").text == "Dee"
    assert browser.find_element(By.ID, "randori-verdict").text == (
        "training_step: failing — v.assign(...) replaces the weights: v.assign_sub(lr * g) "
        "moves them"
    )

    browser.find_element(By.CSS_SELECTOR, "#shares button").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "viewer").is_displayed())
    code = browser.find_element(By.CSS_SELECTOR, "#viewer-code pre.code")
    assert "loss = loss_fn(model(x), y)  # <b>not bold</b>" in code.text
    assert code.find_elements(By.TAG_NAME, "b") == []
    assert len(code.find_elements(By.CSS_SELECTOR, ".line")) == 6
    assert [k.text for k in code.find_elements(By.CSS_SELECTOR, ".k")][:3] == ["def", "with", "as"]

    png = browser.get_screenshot_as_png()
    (tmp_path / "board.png").write_bytes(png)
    with Image.open(io.BytesIO(png)) as img:
        assert img.size[0] >= 1000
        colours = img.convert("RGB").getcolors(1 << 20)
    greens = sum(n for n, c in colours if c == (0x2C, 0xA0, 0x2C))  # the pass cells
    reds = sum(n for n, c in colours if c == (0xD6, 0x27, 0x28))  # the failing cells
    assert greens > 1000 and reds > 1000
    if os.environ.get("TFDOJO_WRITE_DOCS"):
        (DOCS / "room-board.png").write_bytes(png)


@pytest.mark.browser
def test_the_board_without_its_token_asks_for_it(room, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{room.url}board")
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "login").is_displayed())
    browser.find_element(By.ID, "token").send_keys(room.token)  # a learner's token: refused
    browser.find_element(By.ID, "use-token").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "problem").text)
    assert browser.find_element(By.ID, "problem").text == (
        "board: token: the board needs the facilitator's board token"
    )
    assert browser.find_elements(By.CSS_SELECTOR, "#grid td.name") == []
