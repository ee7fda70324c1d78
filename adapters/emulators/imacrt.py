"""iMACRT MMR3/MGC3 emulators: the UDP GET/SET protocol and the ``/www/device.htm`` page, with drifting values."""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import Any, Unpack

from ricochetdb.adapters.devices.imacrt_codec import (
    MGC3_LOOPS,
    MMR3_CHANNELS,
    MODELS,
    REPLY_PORT,
    format_value,
    mgc3_index,
    mmr3_index,
    parse_command,
    port_for,
)
from ricochetdb.adapters.emulators.base import EmulatorOptions, HttpEmulator, UdpEmulator, drift

Value = float | str

_MMR3_T = {1: (4.0, 0.05), 2: (0.8, 0.01), 3: (0.012, 0.0005)}  # per channel: mean T (K), drift amplitude
_MGC3_SETPOINT = {0: 0.012, 1: 0.8, 2: 4.0}
_PERIOD = 600.0


def resistance(temperature: float) -> float:
    """A RuO2-like calibration: about 2 kOhm at 4 K, 5 kOhm at 0.8 K, 70 kOhm at 12 mK."""
    return float(2000.0 * (4.2 / max(temperature, 1e-4)) ** 0.6)


class ImacrtModule:
    """The parameter table of one emulated module: SETs are applied, measurements drift with ``clock``."""

    def __init__(self, model: str = "MMR3", clock: Callable[[], float] = time.time) -> None:
        if model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}, not {model!r}")
        self.model = model
        self.clock = clock
        self.lock = threading.Lock()
        self.params: dict[int, Value] = self._mmr3() if model == "MMR3" else self._mgc3()
        self.readonly = self._measured()

    @staticmethod
    def _mmr3() -> dict[int, Value]:
        params: dict[int, Value] = {0: 0.1, 1: 0.01, 2: 35.0}
        for c in MMR3_CHANNELS:
            defaults = (0.0, 3, 0.0, 0, 10, 0, 1, 4, 2, 10.0 ** -(7 + c), 0.0)
            params.update({mmr3_index(c, offset): float(value) for offset, value in enumerate(defaults)})
        return params

    @staticmethod
    def _mgc3() -> dict[int, Value]:
        params: dict[int, Value] = {0: 35.0}
        for p in MGC3_LOOPS:
            defaults: tuple[Value, ...] = (
                float(p == 0),
                _MGC3_SETPOINT[p],
                0.0,
                0.01,
                0.1,
                0.0,
                1e-3,
                100.0,
                0.0,
                0.0,
                "RuO2",
                float(p + 1),
            )
            params.update({mgc3_index(p, offset): value for offset, value in enumerate(defaults)})
        params.update({index: 0.0 for index in range(37, 46)})
        return params

    def _measured(self) -> frozenset[int]:
        if self.model == "MMR3":
            return frozenset(mmr3_index(c, offset) for c in MMR3_CHANNELS for offset in (0, 1, 2, 3, 10)) | {2}
        return frozenset(mgc3_index(p, offset) for p in MGC3_LOOPS for offset in (2, 8, 9)) | {0, 38, 40, 42, 43}

    def get(self, index: int) -> Value | None:
        """The current value of parameter ``index`` (None: no such parameter)."""
        with self.lock:
            if index not in self.params:
                return None
            now = self.clock()
            if self.model == "MMR3":
                for c in MMR3_CHANNELS:
                    mean, amplitude = _MMR3_T[c]
                    if index in (mmr3_index(c, 0), mmr3_index(c, 2)):
                        t = drift(mean, amplitude, _PERIOD + 60 * c, now)
                        return t if index == mmr3_index(c, 2) else resistance(t)
            else:
                for p in MGC3_LOOPS:
                    on = self.params[mgc3_index(p, 0)] == 1.0
                    setpoint = float(self.params[mgc3_index(p, 1)])
                    if index == mgc3_index(p, 2):
                        return drift(setpoint, setpoint * (0.001 if on else 0.05), _PERIOD, now)
                    if index == mgc3_index(p, 8):
                        pmax = float(self.params[mgc3_index(p, 6)])
                        return drift(0.3 * pmax, 0.05 * pmax, _PERIOD / 2, now) if on else 0.0
            return self.params[index]

    def set(self, index: int, text: str) -> None:
        """Apply ``<model>SET index text`` to a writable parameter; nonsense is ignored, as SETs get no reply."""
        with self.lock:
            if index not in self.params or index in self.readonly:
                return
            if isinstance(self.params[index], str):
                self.params[index] = text
                return
            try:
                self.params[index] = float(text)
            except ValueError:
                return


class ImacrtEmulator(UdpEmulator):
    """An MMR3 or MGC3 on ``host:port`` (default port: 12000 + last octet), answering to ``reply_port``.

    ``reply_port`` is 12000 like the real modules, another port (tests running in parallel),
    or ``"source"`` to answer to the sender's own port (the reader's direct mode).
    """

    def __init__(
        self,
        model: str = "MMR3",
        *,
        reply_port: int | str = REPLY_PORT,
        module: ImacrtModule | None = None,
        **common: Unpack[EmulatorOptions],
    ) -> None:
        if common.get("port") is None:
            common["port"] = port_for(common.get("host", "127.0.0.1"))
        super().__init__(**common)
        if reply_port != "source" and not isinstance(reply_port, int):
            raise ValueError(f"reply_port must be a port number or 'source', not {reply_port!r}")
        self.module = module or ImacrtModule(model, self.clock)
        self.device_type = self.module.model
        self.reply_port = reply_port

    def respond(self, request: bytes) -> bytes | None:
        command = parse_command(request)
        if command is None:
            return None
        if command.verb == "IDN":
            return f"{self.device_type} iMACRT emulator (ricochetdb)\r\n".encode("ascii")
        if command.model != self.device_type or command.index is None:
            return None
        if command.verb == "SET":
            self.module.set(command.index, command.value)
            return None
        value = self.module.get(command.index)
        return None if value is None else format_value(value)

    def reply_to(self, sender: tuple[str, int]) -> tuple[str, int]:
        return sender if self.reply_port == "source" else (sender[0], int(self.reply_port))

    def device_options(self) -> dict[str, Any]:
        """Reader options for this emulator: direct mode if it answers the source port, else collector mode."""
        if self.reply_port == "source":
            return {"port": self.port, "mode": "direct"}
        return {"port": self.port, "mode": "collector", "reply_port": self.reply_port}


class ImacrtHttpEmulator(HttpEmulator):
    """The module's web page at ``path``: one table row per channel (MMR3) or PID loop (MGC3)."""

    def __init__(
        self,
        model: str = "MMR3",
        *,
        path: str = "/www/device.htm",
        module: ImacrtModule | None = None,
        **common: Unpack[EmulatorOptions],
    ) -> None:
        super().__init__(**common)
        self.module = module or ImacrtModule(model, self.clock)
        self.device_type = self.module.model
        self.path = path

    def _rows(self) -> tuple[list[str], list[list[str]]]:
        def cell(index: int) -> str:
            value = self.module.get(index)
            if isinstance(value, float):
                return str(int(value)) if value.is_integer() else f" {value:.6g} "
            return str(value)

        if self.device_type == "MMR3":
            header = ["Channel", "Resistance (&Omega;)", "Temperature (K)", "Range", "Status", "Current (A)"]
            return header, [[f"ch{c}", *(cell(mmr3_index(c, o)) for o in (0, 2, 1, 3, 9))] for c in MMR3_CHANNELS]
        header = ["Loop", "On", "Setpoint (K)", "Temperature (K)", "Power (W)", "Status", "Channel"]
        return header, [[f"pid{p}", *(cell(mgc3_index(p, o)) for o in (0, 1, 2, 8, 9, 11))] for p in MGC3_LOOPS]

    def page(self, path: str) -> tuple[str, bytes] | None:
        if path.split("?", 1)[0] != self.path:
            return None
        header, rows = self._rows()
        cells = "".join(f"<th>{cell}</th>" for cell in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>\n" for row in rows)
        page = (
            f"<html><head><title>iMACRT {self.device_type} \u2014 {self.host}</title>"
            '<script>var demo = "<td>99</td>";</script></head><body>\n'
            f"<table><tr><td>Module</td><td>{self.device_type}&nbsp;emulator</td></tr></table>\n"
            f"<table border=1>\n<tr>{cells}</tr>\n{body}</table></body></html>\n"
        )
        return "text/html; charset=utf-8", page.encode("utf-8")

    def device_options(self) -> dict[str, Any]:
        """Reader options for this emulator (HTTP mode)."""
        return {"port": self.port, "mode": "http", "path": self.path}
