//! The fields of the outbox: the e-mail server's settings and a message's parts.

use crate::error::fields;

fields! {
    SmtpHost = "smtp_host", "邮件服务器", "Mail server", ["smtp", "smtp server"];
    SmtpPort = "smtp_port", "端口", "Port", [];
    SmtpSecurity = "smtp_security", "加密方式", "Security", ["tls"] => super::SmtpSecurity;
    SmtpUsername = "smtp_username", "登录名", "Sign-in name", ["smtp user"];
    SmtpPassword = "smtp_password", "密码", "Password", [];
    FromAddress = "from_address", "发件地址", "From address", ["sender"];
    FromName = "from_name", "发件人名称", "From name", ["sender name"];
    MessageChannel = "message_channel", "发送渠道", "Channel", ["渠道"] => super::MessageChannel;
    Recipient = "recipient", "收件人", "To", [];
    Subject = "subject", "主题", "Subject", [];
    Body = "body", "正文", "Message", [];
    GatewayUrl = "gateway_url", "接口地址", "Gateway address", ["url"];
    GatewayKey = "gateway_key", "AccessKey ID", "Access key ID", ["access key", "key"];
    GatewaySecret = "gateway_secret", "AccessKey 密钥", "Access key secret", ["secret", "AccessKey Secret"];
    SignName = "sign_name", "短信签名", "Signature", ["签名"];
    QuietFrom = "quiet_from", "免打扰开始", "Quiet hours from", [];
    QuietUntil = "quiet_until", "免打扰结束", "Quiet hours until", [];
    WeeklyCap = "weekly_cap", "每位客户每周最多", "Marketing messages a customer gets a week, at most", [];
    ProviderTemplate = "provider_template", "服务商模板编号", "Provider's template ID", ["模板编号", "template id"];
}
