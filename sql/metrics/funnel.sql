-- funnel: the recruitment funnel over the 12 months to the date, from the enquiries extract.
-- Conversion rates compare the flows in the same 12 months (as Ofsted's national figures do):
-- applications / enquiries, and approvals / assessments concluded (approved or withdrawn after
-- an application). Timeliness: approvals in the 12 months whose assessment took at most
-- 8 months from application, and the median weeks from application to approval.
with enquiries as (
    select * from stg_enquiries
),

window_bounds as (
    select
        getvariable('as_at') as as_at,
        (getvariable('as_at') - interval 1 year + interval 1 day)::date as window_start
),

flows as (
    select
        count(*) filter (where enquiry_date between window_start and as_at) as enquiries,
        count(*) filter (where application_date between window_start and as_at) as applications,
        count(*) filter (where approval_date between window_start and as_at) as approvals,
        count(*) filter (where withdrawal_date between window_start and as_at) as withdrawals,
        count(*) filter (
            where application_date is not null
              and withdrawal_date between window_start and as_at
              and withdrawal_date >= application_date
        ) as withdrawn_after_application,
        count(*) filter (
            where approval_date between window_start and as_at
              and application_date is not null
              and approval_date <= application_date + interval 8 month
        ) as approved_within_8_months,
        count(*) filter (where approval_date between window_start and as_at and application_date is not null) as approvals_with_application,
        median(date_diff('day', application_date, approval_date) / 7.0) filter (
            where approval_date between window_start and as_at and application_date is not null
        ) as median_weeks
    from enquiries, window_bounds
),

final as (
    select 'enquiries_12m' as metric_id, enquiries as numerator, null::bigint as denominator, null::double as value from flows
    union all select 'applications_12m', applications, null, null from flows
    union all select 'assessment_approvals_12m', approvals, null, null from flows
    union all select 'withdrawals_12m', withdrawals, null, null from flows
    union all select 'enquiry_to_application_rate', applications, enquiries, null from flows
    union all select 'application_to_approval_rate', approvals_with_application, approvals_with_application + withdrawn_after_application, null from flows
    union all select 'assessments_within_8_months', approved_within_8_months, approvals_with_application, null from flows
    union all select 'median_weeks_to_approval', null, approvals_with_application, median_weeks from flows
)

select * from final
