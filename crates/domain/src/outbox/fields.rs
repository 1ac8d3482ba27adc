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
}
