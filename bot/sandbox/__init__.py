"""A sandbox for the bot without Slack: a loopback stand-in for the Web API, a driver that signs requests the
way Slack does, and ``joanbot demo`` over both."""
