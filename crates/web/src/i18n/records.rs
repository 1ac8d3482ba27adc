//! What each kind of record is called (audit entries, "no such record" pages).

catalogue! {
    ent_customer => "客户", "customer";
    ent_key_person => "关键人物", "key person";
    ent_person_around => "周围的人", "person around";
    ent_interaction => "互动记录", "interaction";
    ent_user => "用户", "user";
    ent_api_token => "API 令牌", "API token";
    ent_order => "订单", "order";
    ent_opportunity => "商机", "deal";
    ent_settings => "设置", "settings";
    ent_customers => "客户", "customers";
    ent_orders => "订单", "orders";
    ent_opportunities => "商机", "deals";
    ent_attachment => "附件", "attachment";
    ent_competitor => "竞争对手", "competitor";
    ent_competitor_engagement => "竞争对手接触", "competitor engagement";
    ent_decision_chain => "决策链", "decision chain";
    ent_health_check => "关系健康检查", "relationship health check";
    ent_objection => "异议", "objection";
    ent_referral => "推荐", "referral";
    ent_relationship => "关系阶段", "relationship stage";
    ent_relationship_level => "关系层级", "relationship level";
    ent_survey => "满意度调查", "satisfaction survey";
    ent_survey_link => "调查链接", "survey link";
    ent_task => "待办", "task";
    ent_wallet_share => "钱包份额", "share of wallet";
    ent_winback_attempt => "挽回尝试", "win-back attempt";
    ent_winback_case => "挽回案例", "win-back case";
    ent_upload => "上传的文件", "upload";
    ent_merge => "合并记录", "merge";
    ent_saved_view => "保存的视图", "saved view";
    ent_job => "后台任务", "background job";
    ent_sign_in_throttle => "登录限制", "sign-in limit";
}

impl super::T {
    /// What a kind of record (an audit entity code) is called in this language; an unknown
    /// code is returned as it is.
    pub fn entity<'a>(&self, code: &'a str) -> &'a str {
        match code {
            "customer" => self.ent_customer(),
            "key_person" => self.ent_key_person(),
            "person_around" => self.ent_person_around(),
            "interaction" => self.ent_interaction(),
            "user" => self.ent_user(),
            "api_token" => self.ent_api_token(),
            "order" => self.ent_order(),
            "opportunity" => self.ent_opportunity(),
            "settings" => self.ent_settings(),
            "customers" => self.ent_customers(),
            "orders" => self.ent_orders(),
            "opportunities" => self.ent_opportunities(),
            "attachment" => self.ent_attachment(),
            "competitor" => self.ent_competitor(),
            "competitor_engagement" => self.ent_competitor_engagement(),
            "decision_chain" => self.ent_decision_chain(),
            "health_check" => self.ent_health_check(),
            "objection" => self.ent_objection(),
            "referral" => self.ent_referral(),
            "relationship" => self.ent_relationship(),
            "relationship_level" => self.ent_relationship_level(),
            "survey" => self.ent_survey(),
            "survey_link" => self.ent_survey_link(),
            "task" => self.ent_task(),
            "wallet_share" => self.ent_wallet_share(),
            "winback_attempt" => self.ent_winback_attempt(),
            "winback_case" => self.ent_winback_case(),
            "upload" => self.ent_upload(),
            "merge" => self.ent_merge(),
            "saved_view" => self.ent_saved_view(),
            "job" => self.ent_job(),
            "sign_in_throttle" => self.ent_sign_in_throttle(),
            "cadence" => self.ent_cadence(),
            "template" => self.ent_template(),
            "message" => self.ent_message(),
            "letter_batch" => self.ent_letter_batch(),
            other => other,
        }
    }
}
