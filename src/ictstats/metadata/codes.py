"""Code lists of the canonical observation table: series, units, entities, breakdowns.

Declared once here; the pandera schemas, the warehouse dimension tables (`series`, `entities`,
`units`) and the README's code tables all come from these lists.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    id: str
    itu_name: str
    definition: str
    unit: str  # headline unit; the workbooks also publish absolute values in `other_units`
    other_units: tuple[str, ...] = ()


SERIES: tuple[Series, ...] = (
    Series("fixed_telephone_subscriptions", "Fixed-telephone subscriptions",
           "Active fixed analogue telephone lines, VoIP, WLL, ISDN and fixed public payphones.",
           "per_100", ("millions",)),
    Series("fixed_broadband_subscriptions", "Fixed-broadband subscriptions",
           "Fixed subscriptions to high-speed public Internet access at 256 kbit/s or more.",
           "per_100", ("millions",)),
    Series("mobile_cellular_subscriptions", "Mobile-cellular telephone subscriptions",
           "Subscriptions to a public mobile-telephone service using cellular technology.",
           "per_100", ("millions",)),
    Series("mobile_broadband_subscriptions", "Active mobile-broadband subscriptions",
           "Mobile subscriptions with use of data at broadband speeds in the last three months.",
           "per_100", ("millions",)),
    Series("mobile_5g_subscriptions", "Active subscriptions to 5G/IMT-2020 mobile broadband",
           "Active mobile-broadband subscriptions on a 5G/IMT-2020 network.",
           "per_100", ("millions",)),
    Series("coverage_2g", "Population covered by a mobile-cellular network",
           "Share of the population within range of at least a 2G mobile-cellular signal.",
           "percent", ("millions",)),
    Series("coverage_3g", "Population covered by at least a 3G mobile network",
           "Share of the population within range of at least a 3G mobile signal.",
           "percent", ("millions",)),
    Series("coverage_4g", "Population covered by at least an LTE/WiMAX mobile network",
           "Share of the population within range of at least an LTE/WiMAX (4G) mobile signal.",
           "percent", ("millions",)),
    Series("coverage_5g", "Population covered by at least a 5G mobile network",
           "Share of the population within range of at least a 5G mobile signal.",
           "percent", ("millions",)),
    Series("fixed_broadband_traffic", "Fixed broadband traffic",
           "Fixed-broadband Internet traffic volume.",
           "gb_per_subscription", ("exabytes",)),
    Series("mobile_broadband_traffic", "Mobile broadband traffic",
           "Mobile-broadband Internet traffic volume.",
           "gb_per_subscription", ("exabytes",)),
    Series("international_bandwidth", "International bandwidth usage",
           "Used capacity of international links carrying Internet traffic.",
           "kbit_s_per_user", ("tbit_s", "gbit_s")),
    Series("households_computer", "Households with a computer",
           "Share of households with a computer at home.",
           "percent", ("millions",)),
    Series("households_internet", "Households with Internet access at home",
           "Share of households with Internet access at home.",
           "percent", ("millions",)),
    Series("internet_use", "Individuals using the Internet",
           "Share of individuals who used the Internet from any location in the last three "
           "months.", "percent", ("millions",)),
    Series("mobile_phone_ownership", "Individuals owning a mobile phone",
           "Share of individuals aged 10 or older who own a mobile-cellular telephone.",
           "percent", ("millions",)),
    Series("urban_population_share", "Urban population (% of total population)",
           "Share of the population living in urban areas (UN World Urbanization Prospects via "
           "World Bank WDI and OWID); context for urban/rural indicators, not an ICT series.",
           "percent"),
)  # fmt: skip

UNITS: dict[str, str] = {
    "percent": "Percentage (of population, individuals or households)",
    "per_100": "Per 100 inhabitants",
    "millions": "Millions (subscriptions, people, households)",
    "exabytes": "Exabytes (10^18 bytes)",
    "gb_per_subscription": "Gigabytes per subscription",
    "tbit_s": "Terabits per second",
    "gbit_s": "Gigabits per second",
    "kbit_s_per_user": "Kilobits per second per Internet user",
}

# Plausible upper bounds per unit; a value above them is a layout or publisher fault.
UNIT_MAXIMUM: dict[str, float] = {
    "percent": 100.0,
    "per_100": 500.0,  # several SIMs each; Macao's mobile subscriptions reach 436 (WDI 2019)
    "millions": 20_000.0,  # world population is about 8,200 million
    "exabytes": 100_000.0,
    "gb_per_subscription": 100_000.0,
    "tbit_s": 100_000.0,
    "gbit_s": 100_000_000.0,
    "kbit_s_per_user": 10_000_000.0,
}

SEX = {"_T": "Total", "F": "Female", "M": "Male"}
AREA = {"_T": "Total", "U": "Urban", "R": "Rural"}
AGE = {
    "_T": "All ages",
    "Y15T24": "Aged 15-24 (youth)",
    "_O": "Rest of the population (all ages outside 15-24), as ITU publishes it",
}
OBS_STATUS = {
    "A": "Normal value",
    "E": "Estimate flagged by the publisher ('2019*', source 'ITU estimate.')",
}


@dataclass(frozen=True)
class Entity:
    code: str
    name: str
    kind: str


GROUPS: tuple[Entity, ...] = (
    Entity("WLD", "World", "world"),
    Entity("HIC", "High-income", "income_group"),
    Entity("UMC", "Upper-middle-income", "income_group"),
    Entity("LMC", "Lower-middle-income", "income_group"),
    Entity("LIC", "Low-income", "income_group"),
    Entity("DEVELOPED", "Developed", "development_status"),
    Entity("DEVELOPING", "Developing", "development_status"),
    Entity("LDC", "Least Developed Countries (LDCs)", "special_group"),
    Entity("LLDC", "Land Locked Developing Countries (LLDCs)", "special_group"),
    Entity("SIDS", "Small Island Developing States (SIDS)", "special_group"),
    Entity("ITU_AFR", "Africa (ITU region)", "itu_region"),
    Entity("ITU_AMS", "Americas (ITU region)", "itu_region"),
    Entity("ITU_ARB", "Arab States (ITU region)", "itu_region"),
    Entity("ITU_ASP", "Asia-Pacific (ITU region)", "itu_region"),
    Entity("ITU_CIS", "CIS (ITU region)", "itu_region"),
    Entity("ITU_EUR", "Europe (ITU region)", "itu_region"),
)

SERIES_IDS = frozenset(s.id for s in SERIES)
GROUP_CODES = frozenset(e.code for e in GROUPS)
ISO3_PATTERN = r"^[A-Z]{3}$"
# aggregates of other publishers, kept under their own prefix: World Bank (WB_EAS), OWID (OWID_EU27)
PUBLISHER_AGGREGATE_PATTERN = r"^(WB_[A-Z0-9]{3}|OWID_[A-Z0-9]+)$"
