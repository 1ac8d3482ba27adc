//! The outbox 发件箱 and the e-mail server's settings.

catalogue! {
    nav_outbox => "发件箱", "Outbox";
    outbox_title => "发件箱", "Outbox";
    outbox_intro => "从关系系统发出的每一封邮件、每一条短信和微信都在这里：等待发送、已发送、发送失败，以及每一次尝试的结果。发送失败的可以重发。", "Every e-mail, SMS and WeChat message that leaves Guanxi is here: waiting, sent or failed, with what came of each attempt. A failed one can be sent again.";
    outbox_all => "全部", "All";
    outbox_empty => "发件箱是空的。", "The outbox is empty.";
    outbox_to => "收件人", "To";
    outbox_state => "状态", "State";
    outbox_attempts => "尝试次数", "Attempts";
    outbox_next => "下次发送", "Next attempt";
    outbox_sent_at => "发送时间", "Sent";
    outbox_error => "最近的错误", "Last error";
    outbox_cause => "起因", "Cause";
    outbox_message => "消息", "Message";
    outbox_attempt_log => "每次尝试", "Attempts";
    outbox_attempt_started => "开始", "Started";
    outbox_attempt_outcome => "结果", "Outcome";
    outbox_retry => "重新发送", "Send again";
    outbox_cancel => "取消发送", "Cancel";
    outbox_retried => "已重新排队发送。", "Queued to be sent again.";
    outbox_cancelled => "已取消，不会发送。", "Cancelled: it will not be sent.";
    outbox_on_timeline => "已记入客户的联系记录", "On the customer's timeline";
    outbox_no_email_server => "还没有设置邮件服务器，邮件会一直等待发送（发件箱 → 邮件服务器）。", "No e-mail server is set up: e-mails wait until one is (Outbox → E-mail server).";
    outbox_no_public_address => "还没有设置公开地址，营销邮件里的退订链接无法生成：请在“用户”页设置公开地址。", "No public address is set, so the opt-out link of a marketing e-mail cannot be made: set one on the Users page.";
    outbox_too_late => "已过了它的日子两天以上，没有发送", "Its day passed more than two days ago: not sent";
    outbox_opted_out => "客户已退订，没有发送", "The customer opted out: not sent";
    cause_test => "测试邮件", "Test e-mail";
    cause_cadence => "跟进节奏", "Cadence";
    cause_manual => "手动发送", "Sent by hand";
    outbox_send_now => "现在发送", "Send now";
    outbox_set_up_email => "设置邮件服务器", "Set up the e-mail server";
    outcome_sending => "发送中（或发送时进程中断）", "Sending (or its process stopped)";
    outcome_sent => "已发送", "Sent";
    outcome_retry => "失败，稍后重试", "Failed, tried again later";
    outcome_failed => "失败，不再重试", "Failed for good";
    outcome_lost => "发送时进程中断，已重新发送", "The process stopped while sending; sent again";
    email_settings => "邮件服务器", "E-mail server";
    email_settings_intro => "关系系统通过贵公司的邮件服务器（SMTP）发送邮件。密码保存在数据库中，不会再显示；留空则保留原密码。", "Guanxi sends e-mail through your company's mail server (SMTP). The password is kept in the database and never shown again; leave it empty to keep the saved one.";
    email_settings_saved => "邮件服务器设置已保存。", "The e-mail server settings are saved.";
    email_password_kept => "已保存密码（留空则保留）", "A password is saved (leave empty to keep it)";
    email_test => "发一封测试邮件", "Send a test e-mail";
    email_test_to => "测试邮件发到", "Send a test e-mail to";
    email_test_queued => "测试邮件已放入发件箱，稍后可在发件箱查看结果。", "The test e-mail is in the outbox; see how it went there in a moment.";
    email_test_subject => "关系系统测试邮件", "Guanxi test e-mail";
    email_test_body => "这是一封测试邮件：关系系统可以通过这台邮件服务器发信。", "This is a test e-mail: Guanxi can send through this mail server.";
}
