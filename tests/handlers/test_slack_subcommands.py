"""Every read-only subcommand and the vehicle card, as a user sees them."""

from __future__ import annotations

from bot.catalogue.action import Action
from bot.catalogue.table import row_of
from bot.vehicle.features.locking import Locking
from tests.app_support import OPERATOR, SECURITY, STRANGER, BotUnderTest


async def test_help_lists_every_subcommand(bot: BotUnderTest) -> None:
    """`help` answers privately a usage line per subcommand the API offers; it says vehicles are simulated."""
    await bot.command("help")
    answer = await bot.last_private_answer()
    for word in ("lock <vehicle>", "charge <vehicle>", "whoami"):
        assert word in answer
    for action in (Action.TAN, Action.WIPE_DATA):
        assert (f"{action.value} <vehicle>" in answer) is bot.offers(row_of(action))
    assert "SIMULATOR" in answer


async def test_list_shows_only_vehicles_the_user_may_act_on(bot: BotUnderTest) -> None:
    """An operator limited to paris sees paris vehicles only, filtered by the word given."""
    await bot.command("list")
    answer = await bot.last_private_answer()
    assert "van-12" in answer and "car-33" not in answer
    await bot.command("list car", user=SECURITY)
    answer = await bot.last_private_answer(SECURITY)
    assert "car-33" in answer and "van-12" not in answer


async def test_card_offers_permitted_supported_actions_and_a_click_sends_the_same_request(
    bot: BotUnderTest,
) -> None:
    """The vehicle card has a button per allowed action; clicking Lock sends the same request as typing it."""
    await bot.command("van-12")
    card = await bot.slack.wait_for(
        lambda: [e for e in bot.slack.ephemerals(user=OPERATOR) if "rb_card" in str(e.blocks)]
    )
    assert "rb_card_lock" in str(card[-1].blocks) and "rb_card_immobilize" not in str(card[-1].blocks)
    await bot.driver.click_button("rb_card_lock", OPERATOR, message=card[-1])
    message = await bot.wait_for_request_message()
    assert "Lock" in message.text
    await bot.wait_for_remote_posts(1)  # the request message is posted before the send
    assert bot.sent_features() == [Locking(lock=True)]


async def test_whoami_shows_roles_and_the_user_id(bot: BotUnderTest) -> None:
    """`whoami` shows the user's id, roles, and where they apply; a stranger learns they have none."""
    await bot.command("whoami")
    assert "operator" in await bot.last_private_answer() and "paris" in await bot.last_private_answer()
    await bot.command("whoami", user=STRANGER)
    answer = await bot.last_private_answer(STRANGER)
    assert STRANGER in answer and "no role" in answer


async def test_status_and_history_show_the_request_and_its_trail(bot: BotUnderTest) -> None:
    """After a request, `status` lists it with where it stands and `history` shows who asked."""
    await bot.command("horn van-12")
    await bot.wait_for_request_message()
    record = (await bot.services.requests.recent_for_vehicle("VR3UHZKXZLT000012"))[0]
    assert f"`{record.id}`" in await bot.answer_to("status van-12")
    assert "horn" in await bot.answer_to(f"status {record.id}")
    answer = await bot.answer_to("history van-12")
    assert "requested horn" in answer and f"<@{OPERATOR}>" in answer


async def test_state_without_refresh_reads_telemetry_and_sends_no_remote(bot: BotUnderTest) -> None:
    """`state --no-refresh` shows the last reported state without spending a wake-up."""
    await bot.command("state van-12 --no-refresh")
    answer = await bot.last_private_answer()
    assert "not refreshed" in answer and "Battery" in answer
    assert bot.simulator.remote_posts == []


async def test_unknown_vehicle_and_ambiguous_suffix_are_explained(bot: BotUnderTest) -> None:
    """A wrong alias says how to name a vehicle; a suffix matching two VINs lists the candidates."""
    await bot.command("lock nowhere")
    assert "No vehicle" in await bot.last_private_answer()
    await bot.command("lock 000012")
    assert "Lock" in (await bot.wait_for_request_message()).text


async def test_card_danger_button_goes_through_confirmation(bot: BotUnderTest) -> None:
    """A security user's card offers Immobilize; clicking it asks for confirmation and sends nothing yet."""
    await bot.command("car-21", user=SECURITY)
    card = await bot.slack.wait_for(
        lambda: [e for e in bot.slack.ephemerals(user=SECURITY) if "rb_card" in str(e.blocks)]
    )
    await bot.driver.click_button("rb_card_immobilize", SECURITY, message=card[-1])
    await bot.slack.wait_for(
        lambda: any("Are you sure" in e.text for e in bot.slack.ephemerals(user=SECURITY))
    )
    assert bot.simulator.remote_posts == []
