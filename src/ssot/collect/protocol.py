"""What the driver and the plugin agree on (standard library only; no pytest import)."""

SCHEMA = "ssot-collect-profile"
VERSION = 2  # 2: each diagnosis has its "key" and "fingerprint" (version 1 reads the same)
ENV_T0 = "SSOT_COLLECT_T0"  # wall-clock time (time.time()) at which the driver spawned pytest
ENV_DUMP_SIGNAL = "SSOT_COLLECT_DUMP_ON_SIGUSR1"  # "1": on SIGUSR1, write what was measured and where it hangs
PLUGIN_MODULE = "ssot.collect.plugin"
