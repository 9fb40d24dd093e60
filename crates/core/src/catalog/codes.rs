//! Category (分野) and life-event codes with their labels. CSV cells may use either.

use crate::text::Lang;

pub struct Code {
    pub code: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
}

impl Code {
    pub fn label(&self, lang: Lang) -> &'static str {
        lang.pick(self.ja, self.en)
    }
}

macro_rules! codes {
    ($name:ident: $(($c:literal, $ja:literal, $en:literal)),* $(,)?) => {
        pub const $name: &[Code] = &[$(Code { code: $c, ja: $ja, en: $en }),*];
    };
}

codes!(CATEGORIES:
    ("registry", "戸籍・住民票・印鑑登録", "Family register, residence, seal"),
    ("mynumber", "マイナンバー", "My Number"),
    ("tax", "税金", "Taxes"),
    ("insurance", "国民健康保険・年金", "Health insurance and pension"),
    ("children", "子ども・子育て", "Children and childcare"),
    ("education", "教育", "Education"),
    ("welfare", "福祉", "Welfare"),
    ("nursing", "介護・高齢者", "Long-term care and older people"),
    ("health", "健康・医療", "Health"),
    ("waste", "ごみ・リサイクル", "Waste and recycling"),
    ("environment", "環境・動物", "Environment and animals"),
    ("housing", "住まい・まちづくり", "Housing and town planning"),
    ("business", "事業者・産業", "Business"),
    ("community", "地域活動・施設", "Community and facilities"),
    ("safety", "防災・安全", "Safety and disaster"),
    ("elections", "選挙", "Elections"),
    ("other", "その他", "Other"),
);

codes!(LIFE_EVENTS:
    ("moving", "引越し", "Moving"),
    ("birth", "出生", "Birth"),
    ("pregnancy", "妊娠", "Pregnancy"),
    ("childcare", "子育て", "Raising children"),
    ("school", "入園・入学", "Nursery and school"),
    ("marriage", "結婚・離婚", "Marriage and divorce"),
    ("death", "死亡・相続", "Death and inheritance"),
    ("nursing", "介護", "Long-term care"),
    ("health", "健康・保険", "Health and insurance"),
    ("tax", "税", "Taxes"),
    ("employment", "就職・退職", "Work"),
    ("pension", "年金", "Pension"),
    ("housing", "住まい", "Housing"),
    ("waste", "ごみ", "Waste"),
    ("car", "自動車・自転車", "Cars and bicycles"),
    ("pets", "ペット", "Pets"),
    ("business", "事業", "Business"),
    ("disability", "障害", "Disability"),
);

/// Finds a code by its code or its Japanese or English label.
pub fn find(table: &'static [Code], s: &str) -> Option<&'static Code> {
    let s = s.trim();
    table
        .iter()
        .find(|c| c.code == s || c.ja == s || c.en.eq_ignore_ascii_case(s))
}
