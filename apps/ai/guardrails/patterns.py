"""The heuristic rules: regular expressions over normalised text (casefolded, no accents) in
English, Portuguese and Spanish, one list per rule.

Each pattern needs the object of the attack, not just its verb: "ignore my last message" and
"act as my translator" are customers talking, "ignore your previous instructions" and "act as an
unrestricted AI" are not."""

import re


def one_of(*alternatives: str) -> str:
    """A non-capturing group of the alternatives; each argument may hold several, split by "|"."""
    return "(?:" + "|".join(alternatives) + ")"


_ALL = r"(?:all|any|every|each|the|your|my|these|those|of|both)?\s*"
_EARLIER = one_of("previous|prior|above|earlier|preceding|initial|original|former|existing|current|old|given|system")
_RULES = one_of(
    r"instructions?|rules?|prompts?|directions?|directives?|guidelines?|guardrails?|programming",
    r"constraints?|restrictions?|policies|orders|commands|guidance|setup|set-up|configuration|config|training",
)
_PT_ALL = r"(?:todas|todos|as|os|a|o|sua|seu|tua|teu|suas|seus|tuas|teus|essas|estas)?\s*(?:as|os|suas|seus)?\s*"
_PT_RULES = one_of(
    "instrucoes|instrucao|regras|orientacoes|diretrizes|diretivas|comandos|ordens|restricoes|prompt",
    "configuracao|configuracoes|programacao|treinamento",
)
_PT_EARLIER = one_of(
    "anteriores|acima|previas|iniciais|originais|antigas|do sistema",
    "que (?:te|lhe) (?:deram|foram dadas)|que (?:voce )?recebeu",
)
_ES_ALL = r"(?:todas|todos|las|los|la|el|tu|su|tus|sus|esas|estas)?\s*(?:las|los|tus|sus)?\s*"
_ES_RULES = one_of(
    "instrucciones|instruccion|reglas|indicaciones|directrices|directivas|comandos|ordenes|restricciones|prompt",
    "pautas|configuracion|programacion|entrenamiento",
)
_ES_EARLIER = one_of(
    "anteriores|previas|de arriba|iniciales|originales|del sistema", "que te (?:dieron|han dado)|que recibiste"
)
_NO_LIMITS = r"(?:no|without|sem|sin|zero|free of|livre de|libre de)\s+(?:any\s+|nenhuma\s+|ninguna\s+)?" + one_of(
    "rules|restrictions|limits|limitations|filters|filtering|censorship|guidelines|ethics|morals",
    "regras|restricoes|limites|limitacoes|filtros|censura|reglas|restricciones|limitaciones|etica",
)
_NO_LIMITS_PT_ES = (
    r"(?:nao (?:tem|tens|tivesse|tenha|possui)|no (?:tienes|tuvieras|tengas|tiene))\s+(?:nenhuma\s+|ninguna\s+)?"
    + one_of("regras?|restricoes|limites|limitacoes|filtros|censura|reglas?|restricciones|limitaciones|etica")
)
_THE_BOT = r"(?:(?:this|the|our|esta|este|essa|esse|a|o|la|el)\s+)?" + one_of(
    "chat|conversation|session|assistant|bot|chatbot|ai|model|system|company|developers?|operator|yourself|you",
    "answering|responding|replying|behaving|answer|respond|reply|behave",
    "conversa|conversacion|sessao|sesion|assistente|asistente|modelo|ia|sistema|empresa|voce|ti|responder|contestar",
)
# After "your instructions" or "your rules", "for late check-in" or "about pets" is a customer asking
# for the business's rules on something; "your instructions" alone, or "for this chat", is the prompt.
_NOT_ABOUT_A_TOPIC = (
    r"(?!\s+(?:for|about|on|regarding|to|when|if|para|sobre|acerca de|quanto a|en cuanto a|cuando|quando)\s+"
    rf"(?!{_THE_BOT}\b))"
)
_SYSTEM_PROMPT = one_of(
    r"system\s*prompt|initial prompt|original prompt|hidden prompt|secret prompt|developer (?:prompt|message)",
    "(?:system|initial|original|hidden|secret|internal|developer) (?:instructions|message|rules)",
    "prompt (?:do|de|del) sistema",
    "instrucoes (?:do sistema|iniciais|internas|originais|ocultas|secretas)",
    "instrucciones (?:del sistema|iniciales|internas|originales|ocultas|secretas)",
    "your (?:prompt|instructions|rules|configuration|guidelines)" + _NOT_ABOUT_A_TOPIC,
    r"(?:exact|full|complete|whole|entire|exato|exacto|completo) (?:system )?prompt",
    "prompt (?:exato|exacto|completo|original)",
    "(?:text|prompt|message|instructions|texto|mensagem|mensaje) (?:that|which|que) "
    "(?:configures|configured|programs|programmed|controls|defines|sets up|te configura|te configurou|te programou"
    "|te configuro|te programo)(?: you)?",
    "(?:seu|teu|tu) prompt",
    "(?:(?:suas|tuas) instrucoes|tus instrucciones)" + _NOT_ABOUT_A_TOPIC,
)
_OTHERS = one_of(
    "other|another|all|every|all the|all of your|previous|other people'?s?",
    "outros|outras|outro|outra|todos os|todas as|demais",
    "otros|otras|otro|otra|todos los|todas las|demas",
)
_PEOPLE = one_of(
    "customers?|clients?|users?|guests?|patients?|members?|contacts?|people|persons?",
    "clientes?|usuarios?|hospedes?|pacientes?|contatos?|contactos?|pessoas?|personas?|huespedes?|socios?",
)
_ONE_PERSON = one_of(
    "guest|customer|client|patient|person|user",
    "hospede|cliente|paciente|pessoa|huesped|persona|usuario",
)
_DATA = one_of(
    "data|details|info|information|phone|phones|numbers?|e-?mails?|emails|address(?:es)?|bookings?",
    "reservations?|records?|messages|conversations|chats?|history|names|passwords?",
    "dados|telefones?|numeros?|enderecos?|reservas?|informac(?:ao|oes)|mensagens|conversas|historico|nomes|senhas?",
    "datos|telefonos?|correos?|direcciones|informacion|mensajes|conversaciones|historial|nombres|contrasenas?",
)
_GIVE = one_of(
    "give|send|show|list|tell|share|export|dump|print|read|reveal|leak|forward|display|what (?:is|are)|whats",
    "which|me le|leia|leeme|lee",
    "me (?:de|da|passe|passa|mande|manda|envie|mostre|mostra|diga|diz)",
    "mostre|mostra|liste|lista|envie|mande|passe|compartilhe|exporte|revele|qual (?:e|o)|quais (?:sao|os)",
    "dame|dime|muestra(?:me)?|enumera|envia(?:me)?|manda(?:me)?|comparte|exporta|revela|cual es|cuales son",
)
_SECRETS = one_of(
    r"api[ _-]?keys?|access tokens?|credentials|env(?:ironment)? variables|\.env",
    "chaves? (?:de )?api|credenciais|variaveis de ambiente|claves? (?:de )?api|credenciales|variables de entorno",
)
_OF = (
    r"(?:of|from|for|de|do|da|dos|das|del|de los|de las)\s+(?:the\s+|o\s+|a\s+|os\s+|as\s+|el\s+|la\s+|los\s+|las\s+)?"
)

_EN_OVERRIDE = [
    r"\b"
    + one_of("ignore|disregard|forget|skip|bypass|override|overrule|drop|discard|abandon|delete|erase|set aside")
    + rf"\s+(?:about\s+)?{_ALL}(?:of\s+)?(?:the\s+|your\s+)?(?:{_EARLIER}\s+)?(?:and\s+\w+\s+)?{_RULES}\b",
    r"\b(?:ignore|disregard|forget)\s+(?:all|everything)\s+"
    + one_of(
        "you (?:were|have been) (?:told|given|programmed)",
        "(?:that )?(?:was )?(?:said|written|stated) (?:above|before)",
        r"above|before this|prior\b",
    ),
    r"\b(?:your|the) (?:new|real|actual|updated|true) (?:instructions|rules|task|orders|prompt) (?:are|is)\b",
    r"\bnew (?:rules|system prompt)\s*[:=-]",
    r"\b(?:system|admin|developer|operator|assistant)\s*[:>\]-]\s*new instructions\b",
    r"\bnew instructions\s*[:=-]\s*(?:please\s+)?"
    + one_of(
        r"you (?:are|will|must|should|shall|now|no longer|have to|answer|reply|respond)\b",
        r"your (?:rules|instructions|task|job|role|purpose)\b",
        "from now on|ignore|disregard|forget|override|approve|reveal|act as|pretend",
    ),
    r"\bfrom now on,? "
    + one_of(
        "you (?:will|must|are|shall|should) (?:ignore|not follow|obey only|answer without|respond without|no longer)",
        "ignore|disregard",
    ),
    r"\byou (?:are|will be) no longer (?:bound|restricted|limited) by\b",
    r"\b(?:whatever|what|everything|anything)\b.{0,40}\b(?:told|said to|instructed|asked|gave) you\b.{0,30}"
    r"\b(?:no longer|doesn'?t|does not|don'?t|do not)\s+(?:matters?|apply|count|stand)",
    r"\byou (?:now )?(?:answer|obey|listen|report|work) (?:only )?(?:to|for) me\b",
    r"\b(?:everything|all|anything) (?:before|above|prior to) (?:this|my|the) (?:message|line|point|sentence)\b"
    r".{0,20}\b(?:was|is|were)\b",
    r"\bthe real (?:task|instructions?|job|mission|goal|prompt)\s*(?:is|are|:)",
    r"\b(?:do not|don'?t|never) follow (?:your|the|any) (?:previous |prior |original |system )?"
    r"(?:instructions|rules|guidelines)\b",
    r"\b(?:end|stop) of (?:system )?(?:prompt|instructions)\b.{0,40}\b(?:new|now|begin)\b",
    r"\b(?:stop|quit|cease) (?:following|obeying|listening to) (?:your |the |any )?(?:system )?"
    r"(?:prompt|instructions|rules|guidelines|programming)\b",
    r"\b(?:pretend|imagine|assume|act as if) (?:that )?(?:the |your |all )?(?:\w+ )?"
    r"(?:instructions|rules|guidelines|prompt) (?:never existed|do not exist|don'?t exist|do not apply|are gone)",
    rf"\b(?:{_EARLIER} )?{_RULES} (?:are|is) (?:now )?(?:void|cancell?ed|revoked|obsolete|no longer valid)\b",
    r"(?:<\|?(?:im_start|im_end|system|endoftext)\|?>|\[/?(?:inst|system)\]|###\s*(?:system|instruction)|<<sys>>)",
]
_PT_OVERRIDE = [
    r"\b"
    + one_of(
        "ignore|ignora|ignorem|esqueca|esquece|esquecam|desconsidere|desconsidera|descarte|descarta",
        "despreze|despreza|abandone|anule|apague|pule",
    )
    + rf"\s+(?:de\s+)?{_PT_ALL}(?:{_PT_EARLIER}\s+)?{_PT_RULES}\b",
    rf"\b{_PT_RULES}\s+{_PT_EARLIER}\b.{{0,30}}\b"
    r"(?:ignor|esquec|desconsider|descart|nao (?:valem|importam|se aplicam))",
    r"\b(?:esqueca|esquece|ignore|ignora|desconsidere) tudo (?:o )?que (?:te |lhe )?"
    + one_of("foi dito|disseram|falaram|foi (?:instruido|programado|ensinado)|te ensinaram"),
    r"\b(?:suas|tuas|as) novas (?:instrucoes|regras|ordens) (?:sao|agora)\b",
    r"\b(?:o que|tudo (?:o )?que)\b.{0,40}\b(?:te|lhe) (?:mandou|mandaram|disse|disseram|pediu|pediram|deu|deram)\b"
    r".{0,30}\bnao (?:importa|vale|conta)",
    r"\b(?:agora )?(?:voce )?(?:obedece|responde|trabalha|obedeca)s? (?:so |somente |apenas )?(?:a|para) mim\b",
    r"\btudo (?:o que (?:veio|esta) )?(?:antes|acima) (?:desta|dessa|da minha) mensagem\b.{0,20}\b(?:era|e|foi)\b",
    r"\ba (?:tarefa|instrucao|missao) (?:real|verdadeira)\s*(?:e|:)",
    r"\ba partir de agora,? (?:voce|tu) (?:vai|deve|ira|esta|vais) (?:ignorar|desobedecer|responder sem|esquecer)",
]
_ES_OVERRIDE = [
    r"\b"
    + one_of(
        "ignora|ignore|ignoren|olvida|olvide|olvidate de|olvidese de|omite|omita|descarta|descarte",
        "desestima|desestime|pasa por alto|salta(?:te)?|borra|anula",
    )
    + rf"\s+(?:de\s+)?{_ES_ALL}(?:{_ES_EARLIER}\s+)?{_ES_RULES}\b",
    rf"\b{_ES_RULES}\s+{_ES_EARLIER}\b.{{0,30}}\b(?:ignor|olvid|descart|no (?:valen|importan|aplican))",
    r"\b(?:olvida|olvidate de|ignora) todo lo que (?:te )?"
    + one_of("dijeron|han dicho|han programado|ensenaron|dije antes"),
    r"\b(?:tus|las) nuevas (?:instrucciones|reglas|ordenes) son\b",
    r"\b(?:lo que|todo lo que)\b.{0,40}\bte (?:dijo|dijeron|mando|mandaron|pidio|pidieron|dio|dieron)\b"
    r".{0,30}\bya no (?:importa|vale|cuenta)",
    r"\b(?:ahora )?(?:me )?(?:obedeces|respondes|trabajas|obedece)s? (?:solo |solamente |unicamente )?(?:a|para) mi\b",
    r"\btodo (?:lo que (?:vino|esta) )?(?:antes|arriba) (?:de este|del|de mi) mensaje\b.{0,20}\b(?:era|es|fue)\b",
    r"\bla (?:tarea|instruccion|mision) (?:real|verdadera)\s*(?:es|:)",
    r"\ba partir de ahora,? (?:vas a|debes|tienes que|ya no) (?:ignorar|desobedecer|responder sin|olvidar|seguir)",
]

_JAILBREAK = [
    r"\b(?:dan|stan|dude|aim|kevin|mongo tom)\b.{0,60}\b"
    + one_of("do anything now|stands? for|mode|jailbr", "without (?:any )?(?:rules|restrictions|filters)"),
    r"\bdo anything now\b",
    r"\bjail\s?-?break(?:ing|en)?\b",
    r"\b(?:developer|god|dev|debug|admin|sudo|unrestricted|evil|chaos|opposite|unfiltered|uncensored) mode\b",
    r"\bmodo "
    + one_of(
        "desenvolvedor|deus|admin|administrador|sem (?:restricoes|filtros|censura)|irrestrito|malvado",
        "desarrollador|dios|sin (?:restricciones|filtros|censura)",
    )
    + r"\b",
    r"\b"
    + one_of(
        "you are|you're|youre|act as|pretend (?:to be|you are|that you are)|roleplay as|role-play as",
        "behave as|become|simulate|imagine you are",
    )
    + r"\s+(?:now\s+)?(?:an?\s+)?(?:\w+\s+){0,3}"
    + one_of("unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|amoral|unethical|unlimited|unbound")
    + r"\b",
    rf"\b(?:you are|you're|act as|pretend|roleplay|behave|answer|respond|reply)\b.{{0,50}}\b{_NO_LIMITS}\b",
    r"\b"
    + one_of(
        "voce e|voce esta|tu es|aja como|atue como|finja|finge|fingir",
        "se comporte como|simule|imagine que (?:voce )?e|responda|seja",
    )
    + r"\b.{0,50}\b"
    + one_of(_NO_LIMITS, _NO_LIMITS_PT_ES, "irrestrit[oa]|sem censura|sem filtro|malvad[oa]|sem etica"),
    r"\b"
    + one_of(
        "eres|estas|actua como|actue como|finge|finja|fingir",
        "comportate como|simula|imagina que eres|responde|se",
    )
    + r"\b.{0,50}\b"
    + one_of(_NO_LIMITS, _NO_LIMITS_PT_ES, "irrestrict[oa]|sin censura|sin filtro|malvad[oa]|sin etica"),
    r"\b(?:respond|answer|reply|speak|talk|write)\b.{0,60}\b(?:uncensored|unfiltered|unrestricted|jailbroken)\b",
    r"\b(?:broken|break|broke|breaking|set|sets|breaks) (?:itself |yourself )?free (?:of|from)\b",
    r"\b(?:se )?(?:libertou|libertar|liberte|liberou|libero|liberarse|liberado|libertado)"
    r" (?:de|das|dos|de las|de sus)\b.{0,20}\b(?:limitacoes|restricoes|regras|limitaciones|restricciones|reglas)",
    r"\b(?:doesn'?t|does not|don'?t|do not|never|won'?t) (?:care|worry|bother) (?:about|for) (?:any |the )?"
    r"(?:rules|restrictions|guidelines|ethics|policies|limits)\b",
    r"\bnao (?:liga|ligam|se importa|se preocupa) (?:para|com) (?:as |nenhuma )?(?:regras|restricoes|limites|etica)",
    r"\bno (?:le|te|les) (?:importan?|preocupan?) (?:las |nada las )?(?:reglas|restricciones|limites|etica)",
    r"\b(?:play|plays|playing) (?:a |the )?(?:character|role|part)\b.{0,60}\b"
    + one_of(_NO_LIMITS, "unrestricted|unfiltered|uncensored|jailbroken|evil|amoral"),
    r"\b(?:stay|remain) in character\b.{0,80}\b(?:no matter|always|even if|never break)",
    r"\b(?:not|no longer|never) (?:an? )?(?:ai|assistant|chatbot)\b.{0,40}\b"
    r"(?:no (?:rules|restrictions|limits)|can say anything|free to)",
    r"\bhypothetical(?:ly)?\b.{0,60}\b(?:no|without) (?:rules|restrictions|filters|guidelines)\b",
    r"\b(?:ignore|bypass|disable|turn off|switch off|deactivate) (?:your |the |all )?"
    r"(?:safety|content|ethical|moral) (?:filters?|guidelines|rules|restrictions|policies|settings)\b",
    r"\b(?:desative|desligue|desativa|ignore|ignora|desactiva|apaga|salta) (?:seus |os |tus |los |sus )?"
    r"(?:filtros|protocolos) (?:de )?(?:seguranca|seguridad|etica|conteudo|contenido)",
]

_EXTRACTION = [
    r"\b"
    + one_of(
        "reveal|show|print|repeat|output|display|dump|leak|recite|paste|copy|tell me|give me|send me|share",
        "write out|spell out|what (?:is|are|was|were)|whats|expose|disclose|translate|summari[sz]e",
    )
    + rf"\b.{{0,40}}\b{_SYSTEM_PROMPT}\b",
    r"\b(?:repeat|print|output|copy|recite|translate|summari[sz]e) "
    r"(?:all |everything |the (?:text|words|message|content)s? )?"
    r"(?:above|before this|preceding|that came before|you were given)\b",
    r"\b(?:repeat|print|output|recite) (?:the )?(?:words|text|everything) (?:above|before|starting with)\b",
    r"\bwhat (?:were you|have you been) (?:told|instructed|programmed|given) (?:to do )?"
    r"(?:before|at the start|initially|by (?:the|your) (?:developer|owner|company|system))",
    r"\b(?:begin|start) your (?:reply|answer|response) with .{0,10}(?:you are|system|instructions)",
    r"\b(?:how were you|how have you been) (?:programmed|instructed|configured|prompted)\b",
    r"\b(?:exact|full|complete|whole|entire|verbatim|exato|exacto|completo|literal) (?:system )?prompt\b",
    r"\bprompt (?:exato|exacto|completo|original|literal)\b",
    r"\b(?:text|texto|mensagem|mensaje|message|prompt|instructions|instrucoes|instrucciones) (?:that|which|que) "
    r"(?:configures|configured|programs|programmed|controls|defines|sets up|"
    r"te (?:configura|configurou|programou|configuro|programo|controla))\b",
    r"\b"
    + one_of(
        "mostre|mostra|revele|revela|repita|repete|imprima|imprime|diga|diz|copie|cole|escreva|traduza|resuma",
        "me (?:de|da|passe|passa|mostre|mostra|diga|diz|conte|conta|envie|manda)",
        "qual (?:e|era|foi)|quais (?:sao|eram|foram)|compartilhe",
    )
    + rf"\b.{{0,40}}\b{_SYSTEM_PROMPT}\b",
    r"\b(?:repita|repete|imprima|copie|escreva) (?:todo |tudo )?(?:o )?(?:texto |que esta |que veio )?"
    r"(?:acima|antes desta mensagem)\b",
    r"\b(?:como|o que) (?:voce|te) (?:foi|foram|mandaram|disseram|programaram|instruiram) .{0,30}"
    r"(?:programad|instruid|configurad|no inicio|antes)",
    r"\b"
    + one_of(
        "muestra(?:me)?|revela(?:me)?|repite|imprime|dime|dame|di|copia|pega|escribe|traduce|resume|comparte",
        "cual (?:es|era|fue)|cuales (?:son|eran|fueron)",
    )
    + rf"\b.{{0,40}}\b{_SYSTEM_PROMPT}\b",
    r"\b(?:repite|imprime|copia|escribe) (?:todo )?(?:el )?(?:texto |lo que esta |lo que vino )?"
    r"(?:de arriba|anterior a este mensaje|arriba)\b",
    r"\b(?:como|que) te (?:programaron|instruyeron|configuraron|dijeron) .{0,30}"
    r"(?:al (?:inicio|principio)|antes|hacer)",
]

_EXFILTRATION = [
    rf"\b{_GIVE}\b.{{0,60}}\b{_OTHERS}\s+(?:\w+\s+)?{_PEOPLE}\b",
    rf"\b{_GIVE}\b.{{0,40}}\b{_DATA}\b.{{0,30}}\b{_OF}{_OTHERS}\s+(?:\w+\s+)?{_PEOPLE}\b",
    rf"\b{_DATA}\b.{{0,20}}\b(?:of|for|from|do|da|de|del)\s+(?:the|o|a|el|la)?\s*{_ONE_PERSON}\s+"
    + one_of(
        "in|at|from|named|called|who|room",
        "no|na|em|do|da|que|chamad[oa]|quarto",
        "en|del|de la|llamad[oa]|habitacion",
    )
    + r"\b",
    r"\b(?:who|quem|quien)\s+(?:else\s+)?"
    + one_of("is|are|was|esta|estao|estava|esta hospedado|esta alojado|ficou|se (?:hospedo|quedo)")
    + r"\b.{0,30}\b(?:room|quarto|habitacion|suite|staying|hospedad|alojad)",
    r"\b(?:select|dump|export|drop|list)\b.{0,20}\b(?:from|the|your|all)\s+(?:\w+\s+)?"
    + one_of("database|db|table|tables|users table|customers table|banco de dados|base de datos|tabla|tabela")
    + r"\b",
    r"\bselect\s+\*\s+from\b",
    rf"\b{_DATA}\b.{{0,40}}\b(?:the )?(?:person|guest|customer|client|patient|people|one)"
    r" (?:before|after|ahead of) me\b",
    rf"\b{_DATA}\b.{{0,40}}\b(?:a )?(?:pessoa|hospede|cliente|paciente) (?:antes|depois) de mim\b",
    rf"\b{_DATA}\b.{{0,40}}\b(?:la )?(?:persona|huesped|cliente|paciente) (?:antes|despues) (?:que yo|de mi)\b",
    rf"\b{_GIVE}\b.{{0,30}}\b(?:your|the|seu|sua|o|a|tu|el|la)?\s*{_SECRETS}",
]

RULES: dict[str, list[str]] = {
    "instruction_override": _EN_OVERRIDE + _PT_OVERRIDE + _ES_OVERRIDE,
    "role_play_jailbreak": _JAILBREAK,
    "system_prompt_extraction": _EXTRACTION,
    "data_exfiltration": _EXFILTRATION,
}

COMPILED: dict[str, list[re.Pattern]] = {rule: [re.compile(p) for p in patterns] for rule, patterns in RULES.items()}
