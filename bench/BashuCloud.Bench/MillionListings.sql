-- Synthetic listings for the search and statistics benchmarks, straight into the read model ($1 rows): grains would take hours
-- for a million. Titles, summaries and keywords are drawn from a vocabulary of real technology terms (Chinese,
-- with some English), so frequencies are uneven the way real ones are: common terms, rare ones, short ones.
INSERT INTO rm_listing (id, kind, status, region, city, platform_id, owner_id, title, title_en, summary, field,
                        trl, price_model, keywords, version, created_at, updated_at, published_at)
SELECT r.region || '-' || r.ulid, r.kind, r.status, r.region, r.city, r.region, r.region || '-bench-owner',
       t.title, NULL, s.summary, r.field, r.trl, 'Negotiable', k.keywords, 1, r.at, r.at,
       CASE WHEN r.status IN ('Draft', 'InReview') THEN NULL ELSE r.at END
  FROM (SELECT n,
               CASE WHEN random() < 0.55 THEN 'sichuan' ELSE 'chongqing' END AS region,
               (ARRAY['Achievement', 'Demand', 'Patent', 'Service', 'Achievement', 'Patent'])[1 + floor(random() * 6)::int] AS kind,
               CASE WHEN x < 0.85 THEN 'Published' WHEN x < 0.90 THEN 'Negotiating' WHEN x < 0.93 THEN 'Traded'
                    WHEN x < 0.95 THEN 'Expired' WHEN x < 0.97 THEN 'Draft' WHEN x < 0.99 THEN 'InReview' ELSE 'Withdrawn' END AS status,
               (ARRAY['成都', '绵阳', '德阳', '宜宾', '重庆', '万州', '永川'])[1 + floor(random() * 7)::int] AS city,
               (ARRAY['NewEnergy', 'AdvancedMaterials', 'ElectronicInformation', 'Biomedicine', 'EquipmentManufacturing',
                      'Aerospace', 'ModernAgriculture', 'EnergySaving', 'RailTransit', 'IntelligentVehicles',
                      'ArtificialIntelligence', 'ChemicalEngineering', 'Other'])[1 + floor(random() * 13)::int] AS field,
               1 + floor(random() * 9)::int AS trl,
               timestamptz '2021-01-01' + n * interval '60 seconds' AS at,
               -- a ULID: 48 bits of milliseconds, then 80 random bits, Crockford base 32.
               (SELECT string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ',
                                         1 + ((1609459200000 + n::bigint * 60000) >> (5 * (9 - d)) & 31)::int, 1), '' ORDER BY d)
                  FROM generate_series(0, 9) d)
               || (SELECT string_agg(substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', 1 + floor(random() * 32)::int, 1), '')
                     FROM generate_series(1, 16 + 0 * n)) AS ulid
          FROM generate_series(1, $1) n, LATERAL (SELECT random() + 0 * n AS x) x) r,
       -- A term's chance falls with its place in the list (a Zipf-like curve), so the head is common.
       LATERAL (SELECT ARRAY['锂电池', '储能', '固态电池', '电池回收', '正极材料', '光伏组件', '氢燃料电池', '智能电网', '地铁',
                             '轨道交通', '盾构机', '高铁', '桥梁检测', '隧道', '无人机', '航空发动机', '卫星导航', '集成电路',
                             '芯片封装', '传感器', '工业互联网', '边缘计算', '机器视觉', '人工智能', '大数据', '区块链',
                             '新能源汽车', '自动驾驶', '车联网', '充电桩', '生物医药', '中药', '疫苗', '医疗器械', '基因检测',
                             '细胞治疗', '茶叶', '柑橘', '猕猴桃', '水稻', '生猪养殖', '榨菜', '花椒', '白酒酿造', '页岩气',
                             '钒钛', '稀土', '石墨烯', '碳纤维', '高分子材料', '复合材料', '3D打印', '数控机床', '工业机器人',
                             '智能制造', '污水处理', '固废资源化', '余热回收', '碳捕集', '化工催化', '精细化工', '涂料',
                             '减速器', '轴承', '液压', '激光焊接', '检测认证', '技术转移', '锂电隔膜', '地铁车辆',
                             'Battery', 'lithium', 'solar', 'hydrogen', 'sensor', 'chip', 'LiDAR', 'robot', 'vaccine',
                             'graphene', 'drone', '5G', 'IoT', 'BIM', 'CNC', 'MEMS', 'FPGA', 'SiC', 'GaN', 'RFID'] AS v) vocab,
       LATERAL (SELECT array_agg(vocab.v[1 + floor(cardinality(vocab.v) * power(random(), 1.6))::int] ORDER BY i) AS w
                  FROM generate_series(1, 14 + 0 * r.n) i) words,
       LATERAL (SELECT words.w[1] || words.w[2]
                       || (ARRAY['关键技术', '系统', '装置', '制备方法', '平台', '工艺', '应用示范', '智能检测',
                                 '技术研究', '解决方案'])[1 + floor(random() * 10 + 0 * r.n)::int] AS title) t,
       LATERAL (SELECT '本项目面向' || words.w[3] || '领域，针对' || words.w[4] || '在' || words.w[5]
                       || '场景中成本高、效率低的问题，研发了基于' || words.w[6] || '的' || words.w[7]
                       || '技术，已在' || r.city || '完成中试，可用于' || words.w[8] || '和' || words.w[9]
                       || '，性能指标达到国内先进水平。' AS summary) s,
       LATERAL (SELECT ARRAY(SELECT DISTINCT unnest(words.w[10:10 + floor(random() * 4 + 0 * r.n)::int])) AS keywords) k;
