"""Cryomech CPA code tables: operating states, warning/alarm bits, scales and model names (pure).

Sources: Cryomech's sample code and two public drivers (protocols.md 1.4, 1.6, 1.7). State 16 ("must
resolve previous error before starting again") is in none of them: issue 9 reports it from the manual [ASSUMED].
"""

from __future__ import annotations

STATES = {
    0: "idling",
    2: "starting",
    3: "running",
    5: "stopping",
    6: "error_lockout",
    7: "error",
    8: "helium_overtemp_cooldown",
    9: "power_related_error",
    15: "recovered_from_error",
    16: "must_resolve_previous_error",
}
FLAGS = (
    "coolant_in_high",
    "coolant_in_low",
    "coolant_out_high",
    "coolant_out_low",
    "oil_high",
    "oil_low",
    "helium_high",
    "helium_low",
    "low_pressure_high",
    "low_pressure_low",
    "high_pressure_high",
    "high_pressure_low",
    "delta_pressure_high",
    "delta_pressure_low",
    "motor_current_low",
    "three_phase_error",
    "power_supply_error",
    "static_pressure_high",
    "static_pressure_low",
    "cold_head_motor_stall",
    "coolant_in_sensor",
    "coolant_out_sensor",
    "helium_sensor",
    "oil_sensor",
    "high_pressure_sensor",
    "low_pressure_sensor",
    "motor_current_sensor",
    "motor_current_high",
    "inverter_error",
    "driver_comm_loss",
    "inverter_comm_loss",
)
PRESSURE_UNITS = {0: "psi", 1: "bar", 2: "kPa"}
TEMPERATURE_UNITS = {0: "F", 1: "C", 2: "K"}
MODEL_MAJOR = {1: "08", 2: "09", 3: "10", 4: "11", 5: "28"}
MODEL_MINOR = {
    1: "A1",
    2: "01",
    3: "02",
    4: "03",
    5: "H3",
    6: "I3",
    7: "04",
    8: "H4",
    9: "05",
    10: "H5",
    11: "I6",
    12: "06",
    13: "07",
    14: "H7",
    15: "I7",
    16: "08",
    17: "09",
    18: "9C",
    19: "10",
    20: "1I",
    21: "11",
    22: "12",
    23: "13",
    24: "14",
}


def state_name(code: int) -> str:
    """The operating state's name, ``unknown_<code>`` outside the documented table."""
    return STATES.get(code, f"unknown_{code}")


def flag_names(bits: int) -> list[str]:
    """The names of the set warning/alarm bits, lowest first; an undocumented bit n is ``bit_<n>``."""
    return [FLAGS[n] if n < len(FLAGS) else f"bit_{n}" for n in range(bits.bit_length()) if bits >> n & 1]


def model_name(code: int) -> str:
    """``CPA`` + major + minor part per the Cryomech table (0x0418 → CPA1114), ``unknown_<major>_<minor>``."""
    major, minor = code >> 8 & 0xFF, code & 0xFF
    if major in MODEL_MAJOR and minor in MODEL_MINOR:
        return f"CPA{MODEL_MAJOR[major]}{MODEL_MINOR[minor]}"
    return f"unknown_{major}_{minor}"
