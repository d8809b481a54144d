-- training: core training (the Training, Support and Development standards, course TSD)
-- and households without recent training, for each as-at date.
-- Core training cohorts: households whose deadline fell in the 12 months to the date (from
-- window_12m_start of as_at_dates) and who were still approved on it.
--   core_training_12m      non-connected households, deadline 12 months after approval
--   core_training_on_time  every household, deadline 12 months (18 for connected persons),
--                          the national TSD standard
--   core_training_24m      non-connected households, deadline 24 months after approval
-- No training: the households int_no_training_on_date finds (the rule is written there only).
--   no_training_6m         approved at least 6 months, no course in the 6 months to the date
--   no_training_12m        approved at least 12 months, no course in the 12 months to the date
-- reads_from: the earliest day each figure depends on: the approvals whose deadline fell in the
-- 12 months (and the training completed since), or the look-back of the no-training rule.
with carers as (
    select * from stg_carers
),

tsd as (
    select household_id, completed_date from stg_training where course = 'TSD'
),

deadlines as (
    select household_id, household_type, approval_date, deregistration_date,
           'core_training_12m' as metric_id, approval_date + interval 12 month as deadline
    from carers where household_type <> 'connected'
    union all
    select household_id, household_type, approval_date, deregistration_date,
           'core_training_on_time',
           approval_date + case when household_type = 'connected' then interval 18 month else interval 12 month end
    from carers
    union all
    select household_id, household_type, approval_date, deregistration_date,
           'core_training_24m', approval_date + interval 24 month
    from carers where household_type <> 'connected'
),

judged as (
    -- whether the course was done by the deadline does not depend on the as-at date
    select
        deadlines.*,
        exists (
            select 1 from tsd
            where tsd.household_id = deadlines.household_id and tsd.completed_date <= deadlines.deadline
        ) as on_time
    from deadlines
    where deregistration_date is null or deregistration_date > deadline
),

cohorts as (
    select dates.as_at, judged.metric_id, judged.on_time
    from as_at_dates as dates
    inner join judged
        on judged.deadline <= dates.as_at
        and judged.deadline >= dates.window_12m_start
),

core as (
    select as_at, metric_id, count(*) filter (where on_time) as numerator, count(*) as denominator
    from cohorts
    group by as_at, metric_id
),

core_all as (
    select
        dates.as_at,
        ids.metric_id,
        coalesce(core.numerator, 0) as numerator,
        coalesce(core.denominator, 0) as denominator,
        null::double as value,
        case ids.metric_id
            when 'core_training_12m' then dates.window_2y_start  -- approvals 12 months before the deadline
            when 'core_training_on_time' then (dates.as_at - interval 30 month)::date  -- 18 months for connected persons
            else (dates.as_at - interval 36 month)::date  -- approvals 24 months before the deadline
        end as reads_from
    from as_at_dates as dates
    cross join (values ('core_training_12m'), ('core_training_on_time'), ('core_training_24m')) as ids(metric_id)
    left join core on core.as_at = dates.as_at and core.metric_id = ids.metric_id
),

no_training_ids as (
    select * from (values ('no_training_6m', 6), ('no_training_12m', 12)) as ids(metric_id, look_back_months)
),

no_training as (
    select
        as_at,
        look_back_months,
        count(*) filter (where has_no_training) as numerator,
        count(*) as denominator
    from int_no_training_on_date
    group by as_at, look_back_months
),

no_training_all as (
    select
        dates.as_at,
        ids.metric_id,
        coalesce(no_training.numerator, 0),
        coalesce(no_training.denominator, 0),
        null::double,
        case when ids.look_back_months = 12 then dates.window_12m_start else (dates.as_at - interval 6 month)::date end
    from as_at_dates as dates
    cross join no_training_ids as ids
    left join no_training on no_training.as_at = dates.as_at and no_training.look_back_months = ids.look_back_months
),

final as (
    select * from core_all
    union all select * from no_training_all
)

select * from final
