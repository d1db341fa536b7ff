from typing import Literal

PortalBrandingThemeType0 = Literal["auto", "dark", "light"]

PORTAL_BRANDING_THEME_TYPE_0_VALUES: set[PortalBrandingThemeType0] = {
    "auto",
    "dark",
    "light",
}


def check_portal_branding_theme_type_0(value: str) -> PortalBrandingThemeType0:
    if value in PORTAL_BRANDING_THEME_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PORTAL_BRANDING_THEME_TYPE_0_VALUES!r}")
