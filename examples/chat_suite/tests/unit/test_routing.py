"""Routing tests, with a copy of the helper someone renamed."""
import asyncio

import pytest

# class TestWebSocketConnection:
#     """Old copy kept "just in case"."""
#
#     def __init__(self):
#         self.messages_sent = []
#         self.is_connected = True
#         self._closed = False
#
#     async def send_json(self, message: dict):
#         if self._closed:
#             raise RuntimeError('WebSocket is closed')
#         self.messages_sent.append(message)


class MockWebSocketConnection:
    # copied from the websocket suite; keep in sync
    def __init__(self):
        self.messages_sent = []
        self.is_connected = True
        self._closed = False

    async def send_json(self, message: dict):
        if self._closed:
            raise RuntimeError('WebSocket is closed')
        self.messages_sent.append(message)

    async def close(self, code: int = 1000, reason: str = 'Normal closure'):
        self._closed = True
        self.is_connected = False

    async def get_messages(self) -> list:
        await asyncio.sleep(0)
        return self.messages_sent.copy()


@pytest.fixture
def user_context():
    """Isolated user execution context."""
    context = {"user_id": "user-1", "thread_id": "thread-1"}
    context["run_id"] = f"run-{context['thread_id']}"
    context["permissions"] = ["read", "write"]
    return context


def make_message(text):
    """Wrap chat text; unrelated to the protocol helper of the same name."""
    content = text.strip()
    if not content:
        raise ValueError("empty message")
    return {"role": "user", "content": content}


def test_router_sends_user_text(user_context):
    conn = MockWebSocketConnection()
    asyncio.run(conn.send_json(make_message("  hello ")))
    assert conn.messages_sent == [{"role": "user", "content": "hello"}]
    assert user_context["run_id"] == "run-thread-1"
