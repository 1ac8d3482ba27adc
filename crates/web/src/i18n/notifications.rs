//! Notifications 通知: the bell and its page.

catalogue! {
    notifications_title => "通知", "Notifications";
    notifications_unread => "条未读", "unread";
    notifications_read_all => "全部标为已读", "Mark all read";
    notifications_empty => "还没有通知。有人给你分配待办、把客户交给你负责，或每天的提醒到了，都会在这里告诉你。", "No notifications yet. When someone gives you a task or a customer, or the day's reminders come, you are told here.";
    notifications_kind => "类别", "Kind";
    notifications_what => "内容", "What";
    notifications_new => "未读", "New";
    notifications_settings => "通知设置", "Notification settings";
    notifications_settings_hint => "通知总会出现在这里；勾选的类别还会发邮件到下面的地址（经发件箱发送）。", "Notifications always appear here; the kinds ticked also come by e-mail to the address below (through the outbox).";
    notifications_email => "接收通知的邮箱", "E-mail address for notifications";
    notifications_phone => "我的电话", "My phone";
    notifications_phone_hint => "模板里的 {{负责人电话}} 用这个号码", "Templates' {{owner_phone}} uses it";
    notifications_by_email => "这些通知也发邮件给我", "Also e-mail me these";
}
