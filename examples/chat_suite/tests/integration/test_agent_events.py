"""Agent event tests: this copy grew a receive_json method."""
import asyncio

import pytest


class TestWebSocketConnection:
    """WebSocket connection double used by these tests."""

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

    async def receive_json(self) -> dict:
        """Pop the oldest recorded message."""
        return self.messages_sent.pop(0)


@pytest.fixture
def user_context():
    """Isolated user execution context."""
    context = {"user_id": "user-1", "thread_id": "thread-1"}
    context["run_id"] = f"run-{context['thread_id']}"
    context["permissions"] = ["read", "write"]
    return context


def make_message(kind: str, payload: dict | None = None) -> dict:
    message = {"type": kind, "payload": payload or {}}
    message["timestamp"] = 0.0
    message["version"] = 2
    return message


def test_agent_events_arrive_in_order(user_context):
    conn = TestWebSocketConnection()
    for kind in ("agent_started", "agent_thinking", "agent_completed"):
        asyncio.run(conn.send_json(make_message(kind, {"user": user_context["user_id"]})))
    assert asyncio.run(conn.receive_json())["type"] == "agent_started"
    assert len(asyncio.run(conn.get_messages())) == 2
