"""govit.planning: the annual plan (储备库 → 年度计划 → 领导审定, 年中调整, 紧急插入)."""
