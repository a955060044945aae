"""The annual plan proposal: pack-driven priority scores, hard constraints and an exact
selection within the budget (通州 第七条 「先急后缓、量力而行」, 第十五条; 昆都仑 第五条;
巴中 第十五条; 昌吉 第八条、第十一条)."""
