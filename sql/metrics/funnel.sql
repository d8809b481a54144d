-- funnel: the recruitment funnel over the 12 months to each as-at date, from the enquiries
-- extract. Conversion rates compare the flows in the same 12 months (as Ofsted's national
-- figures do): applications / enquiries, and approvals / assessments concluded (approved or
-- withdrawn after an application). Timeliness: approvals in the 12 months whose assessment
-- took at most 8 months from application, and the median weeks from application to approval.
-- The 12 months start on window_12m_start of as_at_dates; reads_from: the earliest day the figures
-- depend on (the 12 months' first day).
with enquiries as (
    select * from stg_enquiries
),

dates as (
    select * from as_at_dates
),

flows as (
    select
        dates.as_at,
        dates.window_12m_start as reads_from,
        count(*) filter (where enquiry_date between window_12m_start and as_at) as enquiries,
        count(*) filter (where application_date between window_12m_start and as_at) as applications,
        count(*) filter (where approval_date between window_12m_start and as_at) as approvals,
        count(*) filter (where withdrawal_date between window_12m_start and as_at) as withdrawals,
        count(*) filter (
            where application_date is not null
              and withdrawal_date between window_12m_start and as_at
              and withdrawal_date >= application_date
        ) as withdrawn_after_application,
        count(*) filter (
            where approval_date between window_12m_start and as_at
              and application_date is not null
              and approval_date <= application_date + interval 8 month
        ) as approved_within_8_months,
        count(*) filter (where approval_date between window_12m_start and as_at and application_date is not null) as approvals_with_application,
        median(date_diff('day', application_date, approval_date) / 7.0) filter (
            where approval_date between window_12m_start and as_at and application_date is not null
        ) as median_weeks
    from dates
    left join enquiries on true  -- every date gets its row, also with no enquiries on record
    group by dates.as_at, dates.window_12m_start
),

final as (
    select as_at, 'enquiries_12m' as metric_id, enquiries as numerator, null::bigint as denominator, null::double as value, reads_from from flows
    union all select as_at, 'applications_12m', applications, null, null, reads_from from flows
    union all select as_at, 'assessment_approvals_12m', approvals, null, null, reads_from from flows
    union all select as_at, 'withdrawals_12m', withdrawals, null, null, reads_from from flows
    union all select as_at, 'enquiry_to_application_rate', applications, enquiries, null, reads_from from flows
    union all select as_at, 'application_to_approval_rate', approvals_with_application, approvals_with_application + withdrawn_after_application, null, reads_from from flows
    union all select as_at, 'assessments_within_8_months', approved_within_8_months, approvals_with_application, null, reads_from from flows
    union all select as_at, 'median_weeks_to_approval', null, approvals_with_application, median_weeks, reads_from from flows
)

select * from final
