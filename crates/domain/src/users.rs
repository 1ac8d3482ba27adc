//! Users of Guanxi: the fields of a user account (roles are a vocabulary in `enums`).

use crate::error::fields;

fields! {
    Username = "username", "用户名", "Username", ["login", "账号"];
    DisplayName = "display_name", "显示名", "Display name", [];
    Role = "role", "角色", "Role", [] => crate::Role;
    Team = "team", "团队", "Team", ["小组"];
}
