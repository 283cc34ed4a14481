"""The extension's security manager: its permissions, who gets them by default, and who sees its menus."""

from __future__ import annotations

from superset.security import SupersetSecurityManager

from superset_review.extension.constants import MENU_NAMES, PERMISSIONS, READ, VIEW_MENU


class ReviewSecurityManager(SupersetSecurityManager):
    """Superset's security manager plus the ``DatasetReview`` permissions.

    ``sync_role_definitions`` hands every new permission to Admin, Alpha and Gamma unless its view menu is
    admin-only; listing ``DatasetReview`` (and the menu names) there keeps every ordinary user out until an
    admin grants a permission on Superset's Roles page.
    """

    ADMIN_ONLY_VIEW_MENUS = SupersetSecurityManager.ADMIN_ONLY_VIEW_MENUS | {VIEW_MENU, *MENU_NAMES}

    def create_custom_permissions(self) -> None:
        super().create_custom_permissions()
        # Most of these guard actions inside endpoints rather than endpoints of their own, so FAB would not
        # create them from the registered APIs.
        for permission in PERMISSIONS:
            self.add_permission_view_menu(f"can_{permission}", VIEW_MENU)

    def get_user_menu_access(self, menu_names: list[str] | None = None) -> set[str]:
        """Show the extension's menus to whoever holds ``can_read`` on ``DatasetReview``.

        Without this an admin would have to grant ``menu_access`` on each menu item as well; one permission
        is the contract the README documents.
        """
        allowed: set[str] = set(super().get_user_menu_access(menu_names))
        wanted = set(MENU_NAMES) if menu_names is None else set(MENU_NAMES) & set(menu_names)
        if wanted and self.can_access(f"can_{READ}", VIEW_MENU):
            allowed |= wanted
        return allowed
