//! Tasks 待办 and My day 今日.

use guanxi_domain::Lang;

catalogue! {
    nav_today => "今日", "My day";
    nav_tasks => "待办", "Tasks";
    tasks_title => "待办", "Tasks";
    tasks_intro => "要做的事都在这里：打电话、拜访、寄送、送礼。完成时写下结果，可以顺手记为一次联系；做不完就推迟，或交给同事。", "Everything to do is here: calls, visits, things to send, gifts. Write what came of it when it is done, and log it as a contact in the same step; put it off or give it to a colleague when it has to wait.";
    my_tasks => "我的待办", "My tasks";
    team_tasks => "团队的待办", "The team's tasks";
    myself => "我自己", "Myself";
    task_customer_hint => "客户编号（在客户页上新建待办会自动填好）；留空则不针对某位客户", "The customer's Guanxi ID (filled in when you start from the customer's page); empty for a task of its own";
    task_new => "新建待办", "New task";
    edit_task => "修改待办", "Change the task";
    today => "今天", "Today";
    tomorrow => "明天", "Tomorrow";
    yesterday => "昨天", "Yesterday";
    task_created => "待办已建好。", "The task is created.";
    task_done => "待办已完成。", "The task is done.";
    task_logged => "待办已完成，并已记为一次联系。", "The task is done and logged as a contact.";
    task_snoozed => "待办已推迟。", "The task is put off.";
    tasks_overdue => "已逾期", "Overdue";
    due_today => "今天要做", "Due today";
    due_ahead => "接下来", "Coming up";
    no_tasks => "没有待办。", "No task.";
    no_tasks_today => "今天没有要做的待办。", "Nothing is due today.";
    open_tasks => "未完成", "Open";
    done_tasks => "已完成", "Done";
    whose_tasks => "谁的待办", "Whose tasks";
    task_for => "对象", "For";
    task_due => "到期", "Due";
    mark_done => "完成", "Done";
    done_with_result => "完成并保存", "Mark done";
    snooze => "推迟", "Put off";
    snooze_tomorrow => "明天", "Tomorrow";
    snooze_three => "3 天后", "In 3 days";
    snooze_week => "下周", "Next week";
    reopen => "重新打开", "Open again";
    change_task => "修改", "Change";
    contact_channel => "联系方式", "Channel";
    add_task => "新建待办", "Add a task";
    customer_tasks => "待办", "Tasks";
    no_customer_tasks => "这位客户没有未完成的待办。", "No open task for this customer.";
    all_tasks => "全部待办", "All tasks";
    today_title => "今日", "My day";
    today_intro => "今天该做的事：到期的待办、即将到来的生日、停滞的商机和进行中的挽回。每一项都能直接去办。", "What today asks of you: tasks due, birthdays coming, stalled deals and win-back cases. Each line takes you where it is done.";
    birthdays_ahead => "未来 7 天的生日", "Birthdays in the next 7 days";
    no_birthdays => "未来 7 天没有生日。", "No birthday in the next 7 days.";
    likes => "喜好", "Likes";
    interests_label => "兴趣", "Interests";
    remind_me => "记个待办", "Make it a task";
    birthday_task => "生日祝福", "Birthday greetings";
    no_stalled_deals => "没有停滞的商机。", "No stalled deal.";
    winback_cases => "进行中的挽回", "Open win-back cases";
    no_winback_cases => "没有进行中的挽回。", "No open win-back case.";
    team_day => "团队今日", "The team's day";
    person => "同事", "Colleague";
    overdue_count => "逾期", "Overdue";
    today_count => "今天", "Today";
    see_all => "查看全部", "See all";
    lunar_calendar => "农历", "lunar ";
    visits_due => "该拜访了", "Due for a visit";
    visits_due_hint => "按客户价值等级的拜访间隔（价值设置中可改），已经太久没有面谈的客户。", "Customers not met face to face for longer than their value tier's interval (set in the value settings).";
    no_visits_due => "没有该拜访的客户。", "Nobody is due for a visit.";
}

impl super::T {
    /// After the listed birthdays: how many more the week has.
    pub fn birthdays_more(&self, n: usize) -> String {
        match self.0 {
            Lang::ZhCn => format!("这 7 天还有 {n} 个生日没有列出（只列出最近的 100 个）。"),
            Lang::En => format!("{n} more birthdays in these 7 days are not listed (the soonest 100 are)."),
        }
    }

    /// Why a customer is due for a visit: 「上次面谈 2026-10-01 08:00，应每 30 天一次」.
    pub fn visit_overdue(&self, last: Option<&str>, every: u32) -> String {
        match (self.0, last) {
            (Lang::ZhCn, Some(at)) => format!("上次面谈 {at}，应每 {every} 天一次"),
            (Lang::ZhCn, None) => format!("还没有面谈过，应每 {every} 天一次"),
            (Lang::En, Some(at)) => format!("last met {at}; due every {every} days"),
            (Lang::En, None) => format!("never met yet; due every {every} days"),
        }
    }

    /// A birthday's line: 「张伟 60 岁生日」 / "Zhang Wei turns 60", or without an age.
    pub fn birthday_of(&self, name: &str, turns: Option<i32>) -> String {
        match (self.0, turns) {
            (Lang::ZhCn, Some(n)) => format!("{name} {n} 岁生日"),
            (Lang::ZhCn, None) => format!("{name} 生日"),
            (Lang::En, Some(n)) => format!("{name} turns {n}"),
            (Lang::En, None) => format!("{name}'s birthday"),
        }
    }

    /// Who someone around is: 「刘总的配偶」 / "spouse of 刘总", or the customer's.
    pub fn relation_of(&self, relation: &str, of: &str) -> String {
        match self.0 {
            Lang::ZhCn => format!("{of}的{relation}"),
            Lang::En => format!("{} of {of}", relation.to_lowercase()),
        }
    }
}
