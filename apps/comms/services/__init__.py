"""The operations of stakeholder communication: subscriptions, announcements (what the incident
lifecycle's signals become), templates, deliveries and the managers' summary."""
