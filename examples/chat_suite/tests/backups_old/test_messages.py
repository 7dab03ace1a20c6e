"""Message routing tests."""
import asyncio

import pytest


def make_message(kind: str, payload: dict | None = None) -> dict:
    """Build a protocol message."""
    message = {"type": kind, "payload": payload or {}}
    message["timestamp"] = 0.0
    message["version"] = 2
    return message


class TestWebSocketConnection:
    """Real WebSocket connection for testing instead of mocks."""

    def __init__(self):
        self.messages_sent = []
        self.is_connected = True
        self._closed = False

    async def send_json(self, message: dict):
        """Send JSON message."""
        if self._closed:
            raise RuntimeError("WebSocket is closed")
        self.messages_sent.append(message)

    async def close(self, code: int = 1000, reason: str = "Normal closure"):
        """Close WebSocket connection."""
        self._closed = True
        self.is_connected = False

    async def get_messages(self) -> list:
        """Get all sent messages."""
        await asyncio.sleep(0)
        return self.messages_sent.copy()


def test_message_is_recorded():
    conn = TestWebSocketConnection()
    asyncio.run(conn.send_json(make_message("agent_started")))
    assert asyncio.run(conn.get_messages())[0]["type"] == "agent_started"


def test_closed_connection_refuses_messages():
    conn = TestWebSocketConnection()
    asyncio.run(conn.close())
    with pytest.raises(RuntimeError):
        asyncio.run(conn.send_json(make_message("late")))
