-- The yearly joint Sichuan–Chongqing academic lists (川渝一流学会, 最具影响力学术活动, 优秀论文).
-- The source document gives the size of each 2020 list; entries are added as the registry grows.
CREATE TABLE IF NOT EXISTS academic_list (
    year         integer NOT NULL,
    list_kind    text NOT NULL CHECK (list_kind IN ('Society', 'Activity', 'Paper')),
    title        text NOT NULL,
    announced_on date NOT NULL,
    announced_at text NOT NULL,
    entry_count  integer NOT NULL CHECK (entry_count >= 0),
    source       text NOT NULL,
    PRIMARY KEY (year, list_kind)
);
