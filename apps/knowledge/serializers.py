from rest_framework import serializers


class HitSerializer(serializers.Serializer):
    conversation_id = serializers.IntegerField(help_text="Chatwoot's conversation id.")
    message_ids = serializers.ListField(child=serializers.IntegerField(), help_text="Chatwoot message ids.")
    text = serializers.CharField()
    score = serializers.FloatField(help_text="0 to 1; higher is more relevant.")
    url = serializers.CharField(help_text="The conversation in Chatwoot.")


class SearchAnswerSerializer(serializers.Serializer):
    project = serializers.CharField()
    answerable = serializers.BooleanField(help_text="False when nothing in the project answers the query.")
    results = HitSerializer(many=True)
