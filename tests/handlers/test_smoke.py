from tests.handlers.harness import ADMIN, HOME


def test_help_answers_the_admin_ephemerally(world):
    response = world.slack.command("help", user_id=ADMIN, team=HOME)
    assert response.status == 200, response.text
    (reply,) = response.replies
    assert reply["response_type"] == "ephemeral"
    assert "code issue" in reply["text"] or "code issue" in str(reply["blocks"])
