"""Tool dispatch tests: this copy made get_messages synchronous (an incompatible variant)."""
import asyncio


class TestWebSocketConnection:
    """Test helper that records outgoing WebSocket traffic."""

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

    def get_messages(self) -> list:
        """Get all sent messages."""
        return self.messages_sent.copy()


def test_tool_events_are_recorded():
    conn = TestWebSocketConnection()
    asyncio.run(conn.send_json({"type": "tool_executing"}))
    assert conn.get_messages() == [{"type": "tool_executing"}]
