"""The local Slack console in a real browser: Debian's Chromium driven by Playwright, on `remote-bot demo`."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.demo_support import SCREENSHOTS, DemoProcess, require_chromium, running_demo

OPERATOR, SECURITY, SECURITY2, VISITOR = "U0OPERATOR", "U0SECURITY", "U0SECURITY2", "U0VISITOR"
FINAL = 30_000  # ms: a request's whole life at the tests' simulator speed, with room for a loaded machine


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoProcess]:
    """One `remote-bot demo` for the module (each test acts on vehicles of its own)."""
    require_chromium()
    yield from running_demo(tmp_path_factory.mktemp("demo") / "demo.log")


def be(page: Page, user: str) -> None:
    """Switch the console to `user` and wait for their view."""
    page.select_option("#user-switcher", user)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def type_command(page: Page, text: str) -> None:
    """Type a line in the channel's composer and press Enter."""
    page.fill("#composer-input", text)
    page.press("#composer-input", "Enter")


def request_message(page: Page, title: str, vehicle: str) -> Locator:
    """The channel's request messages for this action title and vehicle (case-sensitive)."""
    pattern = re.compile(rf"(^|[^A-Za-z]){re.escape(title)} · {re.escape(vehicle)} ")
    return page.locator("#messages .message:not(.ephemeral)", has_text=pattern)


def status(message: Locator) -> Locator:
    """The status line of a request message (its second section)."""
    return message.locator(".bk-section").nth(1)


def vehicle_panel(page: Page, alias: str) -> Locator:
    """The fleet panel's entry of one vehicle."""
    return page.locator(f".vehicle[data-alias='{alias}']")


def screenshot(page: Page, name: str) -> None:
    """Keep what the page looked like under build/ (never a tracked file)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def test_unlock_reaches_the_unlocked_outcome_with_a_thread_reply(page: Page) -> None:
    """The welcome's first command: van-12 wakes up, unlocks, and the thread gets the final reply."""
    be(page, OPERATOR)
    expect(page.locator("#messages")).to_contain_text("/vehicle unlock van-12")
    type_command(page, "/vehicle unlock van-12")
    message = request_message(page, "Unlock", "van-12")
    expect(status(message)).to_have_text(re.compile(r"Done$"), timeout=FINAL)
    expect(message).to_contain_text("Waking the vehicle up")
    expect(message.locator(".reply-count")).to_have_text("1 reply", timeout=FINAL)
    expect(vehicle_panel(page, "van-12")).to_contain_text("unlocked")
    message.locator(".reply-count").click()
    replies = page.locator("#thread-messages .message")
    expect(replies).to_have_count(2)
    expect(replies.nth(1)).to_contain_text(re.compile(r"@Olivia \(operator\) Unlock van-12.*Done"))
    screenshot(page, "console.png")


def test_a_sleeping_vehicle_shows_the_wake_up_step(page: Page) -> None:
    """Put to sleep from the fleet panel, van-14's horn first goes through "Waking the vehicle up"."""
    be(page, OPERATOR)
    panel = vehicle_panel(page, "van-14")
    panel.get_by_role("button", name="Sleep").click()
    expect(panel).to_contain_text("asleep")
    type_command(page, "/vehicle horn van-14")
    message = request_message(page, "Horn", "van-14")
    expect(status(message)).to_have_text(re.compile(r"Done$"), timeout=FINAL)
    expect(message.locator(".bk-context").first).to_contain_text("Waking the vehicle up")
    expect(panel).not_to_contain_text("asleep")


def test_locking_twice_says_already_locked(page: Page) -> None:
    """truck-40 unlocked, locked, then locked again: the last request ends "already in that state"."""
    be(page, SECURITY)
    type_command(page, "/vehicle unlock truck-40")
    expect(status(request_message(page, "Unlock", "truck-40"))).to_have_text(
        re.compile("Done$"), timeout=FINAL
    )
    locks = request_message(page, "Lock", "truck-40")
    type_command(page, "/vehicle lock truck-40")
    expect(status(locks.nth(0))).to_have_text(re.compile("Done$"), timeout=FINAL)
    type_command(page, "/vehicle lock truck-40")
    expect(locks).to_have_count(2)
    expect(status(locks.nth(1))).to_contain_text("already in that state", timeout=FINAL)


def test_the_user_with_no_rights_sees_the_denial_and_nobody_else_does(page: Page) -> None:
    """Victor is denied, privately; the operator's view of the channel does not show it."""
    be(page, VISITOR)
    type_command(page, "/vehicle unlock van-12")
    denial = page.locator("#messages .message.ephemeral", has_text="not allowed to")
    expect(denial).to_contain_text("Only visible to you")
    expect(denial).to_contain_text("⛔")
    be(page, OPERATOR)
    expect(page.locator("#messages")).to_contain_text("Welcome to the remote-bot demo")
    expect(page.locator("#messages .message", has_text="not allowed to")).to_have_count(0)


def _confirm_prompt(page: Page, command: str) -> Locator:
    type_command(page, command)
    prompt = page.locator("#messages .message.ephemeral", has_text="Are you sure?").last
    expect(prompt.get_by_role("button", name="Confirm")).to_have_class(re.compile("danger"))
    return prompt


def test_immobilize_through_the_confirm_dialog_then_cancel_another(page: Page) -> None:
    """Confirm opens Slack's dialog; its "Yes, do it" sends the request; Cancel on another sends nothing."""
    be(page, SECURITY)
    prompt = _confirm_prompt(page, "/vehicle immobilize car-57 on")
    prompt.get_by_role("button", name="Confirm").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Immobilize?")
    dialog.get_by_role("button", name="Yes, do it").click()
    message = request_message(page, "Immobilize", "car-57")
    expect(status(message)).to_contain_text("Waiting for approval", timeout=FINAL)
    expect(message.get_by_role("button", name="Approve")).to_have_class(re.compile("primary"))
    expect(message.get_by_role("button", name="Reject")).to_have_class(re.compile("danger"))

    other = _confirm_prompt(page, "/vehicle immobilize car-35 on")
    other.get_by_role("button", name="Cancel").click()
    expect(
        page.locator("#messages .message.ephemeral", has_text="Cancelled: nothing was sent")
    ).to_be_visible()
    expect(request_message(page, "Immobilize", "car-35")).to_have_count(0)


def test_a_second_security_lead_approves_and_the_requester_cannot(page: Page) -> None:
    """Sam asks to immobilize car-52; Sam's own Approve is refused; Sasha's goes through."""
    be(page, SECURITY)
    prompt = _confirm_prompt(page, "/vehicle immobilize car-52 on")
    prompt.get_by_role("button", name="Confirm").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Yes, do it").click()
    message = request_message(page, "Immobilize", "car-52")
    expect(status(message)).to_contain_text("Waiting for approval", timeout=FINAL)
    message.get_by_role("button", name="Approve").click()
    expect(page.locator("#messages .message.ephemeral", has_text="your own request")).to_be_visible()
    expect(status(message)).to_contain_text("Waiting for approval")

    be(page, SECURITY2)
    message.get_by_role("button", name="Approve").click()
    expect(status(message)).to_have_text(re.compile("Done$"), timeout=FINAL)
    expect(message).to_contain_text("approved by @Sasha (security lead)")
    expect(vehicle_panel(page, "car-52")).to_contain_text("immobilized")


def test_locate_shows_the_map_link(page: Page) -> None:
    """The outcome of `locate` is the position with a link to the map."""
    be(page, OPERATOR)
    type_command(page, "/vehicle locate van-14")
    message = request_message(page, "Locate", "van-14")
    expect(status(message)).to_have_text(re.compile("Done$"), timeout=FINAL)
    link = message.get_by_role("link", name="map")
    expect(link).to_have_attribute("href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat=48\.8738"))


def test_an_offline_vehicle_fails_into_the_alerts_channel(page: Page) -> None:
    """car-21 taken offline from the panel: the request fails and #fleet-alerts says so."""
    be(page, OPERATOR)
    panel = vehicle_panel(page, "car-21")
    panel.get_by_role("button", name="Take offline").click()
    expect(panel).to_contain_text("offline")
    type_command(page, "/vehicle lights car-21 on")
    message = request_message(page, "Lights", "car-21")
    expect(status(message)).to_contain_text("offline or could not be reached", timeout=FINAL)
    alerts = page.locator("#channel-list li", has_text="fleet-alerts")
    expect(alerts).to_have_class(re.compile("unread"))
    alerts.click()
    alert = page.locator("#messages .message", has_text="Remote action failed")
    expect(alert).to_contain_text("car-21")
    expect(alert).to_contain_text("VehicleConnectionTimeout")


def test_a_failure_cause_chosen_in_the_panel_ends_the_next_request(page: Page) -> None:
    """ "Fail next" with GeneralError: van-12's next request fails with the general error's words."""
    be(page, OPERATOR)
    panel = vehicle_panel(page, "van-12")
    panel.get_by_label("Failure cause for van-12").select_option("GeneralError")
    panel.get_by_role("button", name="Fail next").click()
    expect(panel).to_contain_text("next request fails: GeneralError")
    type_command(page, "/vehicle lights van-12 on")
    message = request_message(page, "Lights", "van-12")
    expect(status(message)).to_contain_text("general error", timeout=FINAL)
    expect(panel).not_to_contain_text("next request fails")


def test_a_slash_command_in_a_thread_is_refused(page: Page) -> None:
    """As in Slack, /vehicle typed in a thread is refused there and never reaches the bot."""
    be(page, OPERATOR)
    welcome = page.locator("#messages .message", has_text="Welcome to the remote-bot demo")
    welcome.hover()
    welcome.get_by_role("button", name="Reply in thread").click()
    page.fill("#thread-input", "/vehicle help")
    page.press("#thread-input", "Enter")
    expect(page.locator("#thread-messages")).to_contain_text("/vehicle is not supported in threads. Sorry!")
    expect(page.locator("#thread-messages .message.ephemeral")).to_contain_text("Only visible to you")
    expect(page.locator(".message", has_text="lock|unlock")).to_have_count(0)


def test_the_composer_shows_the_command_then_its_subcommands(page: Page) -> None:
    """`/veh` shows /vehicle with its description and hint; `/vehicle lo` lists lock and locate."""
    be(page, OPERATOR)
    composer = page.locator("#composer-input")
    composer.press_sequentially("/veh")
    suggestions = page.locator("#suggestions li")
    expect(suggestions).to_have_count(1)
    expect(suggestions).to_contain_text("Lock, locate, charge... a fleet vehicle and follow the request")
    expect(suggestions).to_contain_text("lock van-12 | state van-12 | help")
    suggestions.dispatch_event("mousedown")
    expect(composer).to_have_value("/vehicle ")
    composer.press_sequentially("lo")
    expect(suggestions).to_have_count(2)
    expect(suggestions.nth(1)).to_contain_text("/vehicle locate <vehicle>")
    suggestions.nth(1).dispatch_event("mousedown")
    expect(composer).to_have_value("/vehicle locate ")
    expect(page.locator("#suggestions")).to_be_hidden()


def test_a_vehicle_card_button_sends_its_request(page: Page) -> None:
    """The welcome's second command: the card of van-12, privately; its Lights button sends the request."""
    be(page, OPERATOR)
    type_command(page, "/vehicle van-12")
    card = page.locator("#messages .message.ephemeral", has_text="VIN VR3UHZKXZLT000012")
    expect(card).to_contain_text("Only visible to you")
    card.get_by_role("button", name="Horn", exact=True).click()
    message = request_message(page, "Horn", "van-12")
    expect(status(message)).to_have_text(re.compile("Done$"), timeout=FINAL)


def test_text_from_messages_is_never_markup(page: Page) -> None:
    """A vehicle name holding HTML comes back as text: no element is made from it."""
    be(page, OPERATOR)
    type_command(page, "/vehicle lock <img/src=x>")
    answer = page.locator("#messages .message.ephemeral", has_text="No vehicle called")
    expect(answer.locator("code").first).to_have_text("<img/src=x>")
    expect(page.locator("#messages img")).to_have_count(0)


def test_the_panel_shows_the_bots_wake_ups_left_and_last_report(page: Page) -> None:
    """car-33, brought online and woken up, goes from never seen with 20 wake-ups left to a report just now
    with 19 left in the fleet panel: what the bot keeps, not the simulator's own count."""
    be(page, SECURITY)
    panel = vehicle_panel(page, "car-33")
    expect(panel.locator(".bot-view")).to_have_text("bot: 20 of 20 wake-ups left · last report: never seen")
    panel.get_by_role("button", name="Bring online").click()
    type_command(page, "/vehicle wakeup car-33")
    message = request_message(page, "Wake up", "car-33")
    expect(status(message)).to_have_text(re.compile("Done$"), timeout=FINAL)
    expect(panel.locator(".bot-view")).to_have_text(
        "bot: 19 of 20 wake-ups left · last report: just now", timeout=FINAL
    )
